import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Flow, Node, ParallelBatchFlow } from "@sluice/core";
import { callLlm } from "@sluice/llm";
import { compressedClock } from "@sluice/llm/testing";
import { createAnthropicModel } from "@sluice/llm-anthropic";
import { type Emulator, startEmulator } from "@sluice/llm-emulator";
import { Throttle } from "@sluice/throttle";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { traceFlow, traceModel } from "./index.js";

// Real parts: the Anthropic adapter over HTTP to the emulator, a real Throttle on a compressed
// clock, and the OpenTelemetry SDK's in-memory exporter.
const API_KEY = "sk-ant-otel-test-0123456789";
const TIME_SCALE = 60;
const MODEL = "claude-haiku-4-5";

let emu: Emulator;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");

beforeAll(async () => {
  emu = await startEmulator({ apiKeys: [API_KEY], timeScale: TIME_SCALE });
});
afterAll(async () => {
  await emu.close();
  await provider.shutdown();
});
beforeEach(() => {
  emu.reset();
  exporter.reset();
});

interface Shared {
  texts: string[];
  summaries: string[];
  checked?: string;
}

const TEXTS = [
  "Summarize: Ferries cross the bay every hour. In winter the crossings are fewer.",
  "Summarize: The lighthouse keeper climbed the stairs every evening. The lamp burned till dawn.",
  "Summarize: Deltas form where rivers slow down. Silt builds new land over centuries.",
];

function spansNamed(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

function only(name: string): ReadableSpan {
  const found = spansNamed(name);
  expect(found, `spans named "${name}"`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

function parentOf(span: ReadableSpan): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return exporter.getFinishedSpans().find((candidate) => candidate.spanContext().spanId === parentId);
}

function build(throttle: Throttle) {
  const model = traceModel(createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, model: MODEL }), {
    tracer,
    limiter: throttle,
    baseURL: emu.url,
  });

  class Load extends Node<Shared> {
    override async post(shared: Shared) {
      shared.summaries = [];
      return undefined;
    }
  }
  class Summarize extends Node<Shared, { text: string; index: number }> {
    override async prep() {
      return this._params.text;
    }
    override async exec(text: string) {
      return callLlm(text, { model, maxTokens: 60 });
    }
    override async post(shared: Shared, _prep: unknown, summary: string) {
      shared.summaries[this._params.index] = summary;
      return undefined;
    }
  }
  class PerText extends ParallelBatchFlow<Shared> {
    override async prep(shared: Shared) {
      return shared.texts.map((text, index) => ({ text, index }));
    }
  }
  class Check extends Node<Shared> {
    override async prep() {
      // The provider refuses this call once with a 429; the throttle waits and retries it.
      emu.failNext("rate_limit", { retryAfterSeconds: 1 });
      return "Summarize: Check that every summary is short. Short summaries are easy to read.";
    }
    override async exec(prompt: string) {
      return callLlm(prompt, { model, maxTokens: 40 });
    }
    override async post(shared: Shared, _prep: unknown, answer: string) {
      shared.checked = answer;
      return undefined;
    }
  }
  const load = new Load();
  load.next(new PerText(new Summarize(), { concurrency: 3, name: "PerText" })).next(new Check());
  return { model, flow: new Flow(load, { name: "Pipeline" }) };
}

describe("a traced run: nested flow, parallel batch, a retried model call", () => {
  it("nests flow, item, node and chat spans as the flow does, with GenAI attributes", async () => {
    const throttle = new Throttle({
      concurrency: 4,
      clock: compressedClock(TIME_SCALE),
      retry: { maxAttempts: 3 },
    });
    try {
      const { flow } = build(throttle);
      const shared: Shared = { texts: TEXTS, summaries: [] };
      await flow.run(shared, { onEvent: traceFlow({ tracer }) });
      expect(shared.summaries.every((summary) => summary.length > 0)).toBe(true);

      const root = only("invoke_workflow Pipeline");
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.kind).toBe(SpanKind.INTERNAL);
      expect(root.attributes).toMatchObject({
        "gen_ai.operation.name": "invoke_workflow",
        "gen_ai.workflow.name": "Pipeline",
      });
      expect(parentOf(only("Load"))).toBe(root);
      const batch = only("PerText");
      expect(parentOf(batch)).toBe(root);

      // One span per batch entry, each holding that entry's node, which holds its model call.
      const chats = spansNamed(`chat ${MODEL}`);
      expect(chats).toHaveLength(4);
      for (const index of [0, 1, 2]) {
        const item = only(`item ${index}`);
        expect(parentOf(item)).toBe(batch);
        expect(item.attributes["sluice.batch.item_index"]).toBe(index);
        const node = spansNamed("Summarize").find((span) => parentOf(span) === item);
        expect(node?.attributes["sluice.batch.item_index"]).toBe(index);
        const chat = chats.find((span) => parentOf(span) === node);
        expect(chat, `the chat span of item ${index}`).toBeDefined();
        expect(chat?.kind).toBe(SpanKind.CLIENT);
        expect(chat?.attributes).toMatchObject({
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "anthropic",
          "gen_ai.request.model": MODEL,
          "gen_ai.request.max_tokens": 60,
          "gen_ai.response.model": MODEL,
          "server.address": "127.0.0.1",
          "server.port": emu.port,
          "sluice.attempts": 1,
          "sluice.batch.item_index": index,
        });
        expect(chat?.attributes["gen_ai.response.finish_reasons"]).toEqual([
          expect.stringMatching(/end_turn|max_tokens/),
        ]);
        expect(chat?.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
        expect(chat?.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
        expect(chat?.attributes["gen_ai.usage.cache_read.input_tokens"]).toBe(0);
        expect(chat?.attributes["gen_ai.response.id"]).toMatch(/^req_/);
        expect(typeof chat?.attributes["sluice.throttle.wait_ms"]).toBe("number");
      }

      // The retried call: one span around both attempts and the wait between them.
      const check = only("Check");
      expect(parentOf(check)).toBe(root);
      const retried = chats.find((span) => parentOf(span) === check) as ReadableSpan;
      expect(retried.attributes).toMatchObject({
        "sluice.attempts": 2,
        "sluice.retry.reason": "rate_limited",
      });
      expect(retried.status.code).not.toBe(SpanStatusCode.ERROR);
      const retryEvents = retried.events.filter((event) => event.name === "retry");
      expect(retryEvents).toHaveLength(1);
      expect(retryEvents[0]?.attributes).toMatchObject({
        "sluice.attempt": 2,
        "sluice.retry.reason": "rate_limited",
      });
      expect(emu.stats().byStatus).toMatchObject({ 200: 4, 429: 1 });

      // Every input token the emulator counted is on a span.
      const input = chats.reduce(
        (sum, span) => sum + Number(span.attributes["gen_ai.usage.input_tokens"]),
        0,
      );
      expect(input).toBe(emu.stats().inputTokens);
    } finally {
      await throttle.close();
    }
  });

  it("a failed call marks its span, its node and the workflow with error.type; later calls are not parented to finished spans", async () => {
    const throttle = new Throttle({ concurrency: 2, clock: compressedClock(TIME_SCALE) });
    try {
      const model = traceModel(createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, model: MODEL }), {
        tracer,
        limiter: throttle,
      });
      class Ask extends Node {
        override async exec() {
          emu.failNext("authentication");
          return callLlm("Summarize: a call the provider refuses.", { model, maxTokens: 20 });
        }
      }
      const flow = new Flow(new Ask(), { name: "Refused" });
      await expect(flow.run({}, { onEvent: traceFlow({ tracer }) })).rejects.toMatchObject({
        code: "authentication",
      });

      const chat = only(`chat ${MODEL}`);
      expect(chat.status.code).toBe(SpanStatusCode.ERROR);
      expect(chat.attributes).toMatchObject({
        "error.type": "authentication",
        "sluice.attempts": 1,
        "server.address": "api.anthropic.com",
        "server.port": 443,
      });
      expect(chat.events.some((event) => event.name === "exception")).toBe(true);
      const node = only("Ask");
      expect(parentOf(chat)).toBe(node);
      expect(node.status.code).toBe(SpanStatusCode.ERROR);
      expect(node.attributes["error.type"]).toBe("authentication");
      const root = only("invoke_workflow Refused");
      expect(root.status.code).toBe(SpanStatusCode.ERROR);

      // Outside any run, a call is a root span of its own.
      exporter.reset();
      await callLlm("Summarize: after the run. Nothing is open now.", { model, maxTokens: 20 });
      expect(only(`chat ${MODEL}`).parentSpanContext).toBeUndefined();
    } finally {
      await throttle.close();
    }
  });

  it("a streamed call is one span from the first event to done, with the streamed usage", async () => {
    const model = traceModel(createAnthropicModel({ baseURL: emu.url, apiKey: API_KEY, model: MODEL }), {
      tracer,
      baseURL: emu.url,
    });
    let text = "";
    for await (const event of model.stream({
      messages: [{ role: "user", content: TEXTS[0]! }],
      maxTokens: 60,
    })) {
      if (event.type === "text") text += event.text;
    }
    expect(text.length).toBeGreaterThan(0);
    const chat = only(`chat ${MODEL}`);
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.attributes).toMatchObject({
      "sluice.stream": true,
      "sluice.attempts": 1,
      "gen_ai.usage.output_tokens": emu.stats().outputTokens,
      "gen_ai.usage.input_tokens": emu.stats().inputTokens,
    });
    // Without a limiter there is no wait to report.
    expect(chat.attributes["sluice.throttle.wait_ms"]).toBeUndefined();
  });

  it("core retries of a node show as retry events on the node's span", async () => {
    class Flaky extends Node {
      override async exec() {
        if (this.currentRetry === 0) throw Object.assign(new Error("first try fails"), { code: "flaky" });
        return "ok";
      }
    }
    await new Flow(new Flaky({ maxRetries: 2, name: "Flaky" }), { name: "Retries" }).run(
      {},
      { onEvent: traceFlow({ tracer }) },
    );
    const node = only("Flaky");
    expect(node.status.code).not.toBe(SpanStatusCode.ERROR);
    const retries = node.events.filter((event) => event.name === "retry");
    expect(retries).toHaveLength(1);
    expect(retries[0]?.attributes).toMatchObject({ "sluice.attempt": 1, "sluice.retry.reason": "flaky" });
  });
});
