import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveOptions } from "./options.js";
import { EXIT } from "./report.js";
import { runSummarizer } from "./run.js";
import { prose, tempDir, writeFiles } from "./test-support.js";
import { tracingRequested } from "./tracing.js";

// A loopback OTLP/HTTP receiver: what the exporter posts to <endpoint>/v1/traces, as JSON.
interface OtlpSpan {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let receiver: Server;
let endpoint: string;
const received: { path: string; contentType: string; spans: OtlpSpan[]; service: string | undefined }[] = [];

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += String(chunk);
  return text;
}

beforeAll(async () => {
  receiver = createServer(async (request, response) => {
    const text = await body(request);
    const payload = JSON.parse(text) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: OtlpSpan[] }[];
      }[];
    };
    for (const resourceSpans of payload.resourceSpans) {
      received.push({
        path: request.url ?? "",
        contentType: String(request.headers["content-type"]),
        service: resourceSpans.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue,
        spans: resourceSpans.scopeSpans.flatMap((scope) => scope.spans),
      });
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
afterEach(() => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_SERVICE_NAME;
  received.length = 0;
});

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (value === undefined) return undefined;
  return value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value;
}

async function summarize(cwd: string, inputs: string[]) {
  const options = resolveOptions(
    inputs,
    { progress: false, provider: "local", out: "out" },
    { cwd, env: {} },
  );
  const sink = new PassThrough().resume();
  return runSummarizer(options, {
    stdout: sink,
    stderr: sink,
    isTTY: false,
    cwd,
    command: ["summarize", ...inputs],
  });
}

describe("trace export", () => {
  it("is requested only by the standard OTLP endpoint variables", () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:4318/v1/traces" })).toBe(
      true,
    );
  });

  it("a run with OTEL_EXPORTER_OTLP_ENDPOINT set sends its workflow, node and chat spans to the collector", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "a.txt": prose("harbours", 12), "b.txt": prose("orchards", 12) });
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    process.env.OTEL_SERVICE_NAME = "summarizer-under-test";

    const result = await summarize(cwd, ["a.txt", "b.txt"]);
    expect(result.exitCode).toBe(EXIT.ok);

    // The run's close flushed every span before runSummarizer returned.
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((batch) => batch.path === "/v1/traces")).toBe(true);
    expect(received.every((batch) => batch.contentType.startsWith("application/json"))).toBe(true);
    expect(received[0]?.service).toBe("summarizer-under-test");
    const spans = received.flatMap((batch) => batch.spans);
    const roots = spans.filter((span) => !span.parentSpanId);
    expect(roots).toHaveLength(1);
    const root = roots[0] as OtlpSpan;
    expect(root.name).toMatch(/^invoke_workflow /);

    const chats = spans.filter((span) => span.name === "chat offline-extractive");
    expect(chats.length).toBeGreaterThanOrEqual(2);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    for (const chat of chats) {
      expect(chat.kind).toBe(3); // SPAN_KIND_CLIENT
      expect(attribute(chat, "gen_ai.provider.name")).toBe("offline");
      expect(attribute(chat, "gen_ai.operation.name")).toBe("chat");
      expect(Number(attribute(chat, "gen_ai.usage.input_tokens"))).toBeGreaterThan(0);
      // Every chat span hangs, through its node, off the run's workflow span.
      let ancestor: OtlpSpan | undefined = chat;
      while (ancestor?.parentSpanId) ancestor = byId.get(ancestor.parentSpanId);
      expect(ancestor).toBe(root);
      expect(chat.parentSpanId).not.toBe(root.spanId);
    }
  });

  it("without the variable nothing is exported", async () => {
    const cwd = tempDir();
    await writeFiles(cwd, { "a.txt": prose("harbours", 8) });
    const result = await summarize(cwd, ["a.txt"]);
    expect(result.exitCode).toBe(EXIT.ok);
    expect(received).toHaveLength(0);
  });
});
