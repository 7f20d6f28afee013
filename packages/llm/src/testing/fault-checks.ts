import { createServer } from "node:net";
import type { ChatModel, ChatRequest, ChatStreamEvent } from "../model.js";
import { ensure, expectLlmError } from "./assert.js";
import { needEmulator, PROMPTLY_MS, rejectStream } from "./check-support.js";
import { ensureOutcome } from "./error-checks.js";
import { type FaultProxy, type ProxyFault, startFaultProxy } from "./fault-proxy.js";
import { ARTICLE, SHORT_PROMPT, userRequest } from "./fixtures.js";
import type { CheckContext, ConformanceCheck } from "./types.js";

/**
 * Connection faults, each told apart by what became of the request: limiters give a reservation
 * back for a request that never left, and count one whose outcome is unknown as spent. The faults
 * are real: a closed port, and a proxy in front of the emulator that resets sockets.
 */

type Mode = "generate" | "stream";

async function call(model: ChatModel, mode: Mode, request: ChatRequest): Promise<unknown> {
  return mode === "generate" ? model.generate(request) : rejectStream(model, request);
}

async function withProxy(
  context: CheckContext,
  body: (proxy: FaultProxy, model: ChatModel) => Promise<void>,
) {
  const proxy = await startFaultProxy(needEmulator(context).url);
  try {
    await body(proxy, await context.createModelAt(proxy.url));
  } finally {
    await proxy.close();
  }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function proxyCheck(
  id: "fault-reset-before-response" | "fault-reset-after-response-head",
  fault: ProxyFault,
  transportFailure: "reset_before_response" | "reset_after_request",
  title: string,
): ConformanceCheck {
  return {
    id,
    title,
    needsEmulator: true,
    async run(context) {
      await withProxy(context, async (proxy, model) => {
        for (const mode of ["generate", "stream"] as const) {
          proxy.failNext(fault);
          const what = `${fault} (${mode})`;
          const error = await expectLlmError(
            () => call(model, mode, userRequest(SHORT_PROMPT, { transportRetries: 0 })),
            { code: "connection", retryable: true, withinMs: PROMPTLY_MS },
            what,
          );
          ensureOutcome(error, "unknown", transportFailure, what);
        }
      });
    },
  };
}

export const faultChecks: readonly ConformanceCheck[] = [
  {
    id: "fault-connection-refused",
    title: 'connection refused → ConnectionError, requestOutcome "not_sent" (nothing reached the server)',
    needsEmulator: true,
    async run(context) {
      const model = await context.createModelAt(`http://127.0.0.1:${await closedPort()}`);
      for (const mode of ["generate", "stream"] as const) {
        const what = `connection refused (${mode})`;
        const error = await expectLlmError(
          () => call(model, mode, userRequest(SHORT_PROMPT, { transportRetries: 0 })),
          { code: "connection", retryable: true, withinMs: PROMPTLY_MS },
          what,
        );
        ensureOutcome(error, "not_sent", "refused", what);
      }
    },
  },
  proxyCheck(
    "fault-reset-before-response",
    "reset_before_response",
    "reset_before_response",
    'reset after the request, before any response byte → requestOutcome "unknown"',
  ),
  proxyCheck(
    "fault-reset-after-response-head",
    "reset_after_response_head",
    "reset_after_request",
    'reset right after the response head → transportFailure "reset_after_request", outcome "unknown"',
  ),
  {
    id: "fault-stream-cut",
    title: 'a stream cut mid-answer → ConnectionError after some text, transportFailure "stream_cut"',
    needsEmulator: true,
    async run(context) {
      await withProxy(context, async (proxy, model) => {
        proxy.failNext("cut_body");
        const seen: ChatStreamEvent[] = [];
        const error = await expectLlmError(
          async () => {
            for await (const event of model.stream(
              userRequest(`Summarize: ${ARTICLE}`, { transportRetries: 0 }),
            )) {
              seen.push(event);
            }
          },
          { code: "connection", retryable: true, withinMs: PROMPTLY_MS },
          "stream cut",
        );
        ensure(
          seen.some((event) => event.type === "text"),
          "stream cut: the first half of the answer arrived, so its text events must come before the failure.",
        );
        ensure(!seen.some((event) => event.type === "done"), 'stream cut: no "done" event for a cut answer.');
        ensureOutcome(error, "unknown", "stream_cut", "stream cut");
      });
    },
  },
];
