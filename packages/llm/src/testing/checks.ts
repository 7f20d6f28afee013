import { isLlmError, type LlmErrorCode } from "../errors.js";
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent, StopReason, Usage } from "../model.js";
import { toStopReason } from "../model.js";
import { ConformanceError, ensure, ensureEqual, ensureNoSecret, expectLlmError, show } from "./assert.js";
import { needEmulator, PROMPTLY_MS, rejectStream } from "./check-support.js";
import { errorChecks } from "./error-checks.js";
import { faultChecks } from "./fault-checks.js";
import { ARTICLE, collectEvents, SHORT_PROMPT, userRequest } from "./fixtures.js";
import type { ConformanceCheck, ConformanceEmulator, FaultKind } from "./types.js";

function ensureUsage(usage: Usage, what: string): void {
  for (const key of [
    "inputTokens",
    "outputTokens",
    "cacheReadInputTokens",
    "cacheCreationInputTokens",
  ] as const) {
    const value = usage?.[key];
    ensure(
      Number.isInteger(value) && value >= 0,
      `${what}: usage.${key} must be a whole number ≥ 0 (got ${show(value)}); fill missing counts with 0.`,
    );
  }
  ensure(
    usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens > 0,
    `${what}: no input tokens reported.`,
  );
}

function ensureResponse(response: ChatResponse, what: string): void {
  ensure(
    typeof response === "object" && response !== null,
    `${what}: expected a response object, got ${show(response)}.`,
  );
  ensure(typeof response.text === "string", `${what}: response.text must be a string.`);
  ensure(
    typeof response.model === "string" && response.model !== "",
    `${what}: response.model must name the model.`,
  );
  ensureEqual(
    toStopReason(response.stopReason),
    response.stopReason,
    `${what}: stopReason must be one of StopReason`,
  );
  ensureUsage(response.usage, what);
}

function ensureGroundTruth(emulator: ConformanceEmulator | undefined, usage: Usage, what: string): void {
  if (!emulator) return;
  const stats = emulator.stats();
  ensureEqual(stats.requests, 1, `${what}: HTTP requests the emulator received`);
  ensureEqual(usage.inputTokens, stats.inputTokens, `${what}: usage.inputTokens vs the emulator's count`);
  ensureEqual(usage.outputTokens, stats.outputTokens, `${what}: usage.outputTokens vs the emulator's count`);
}

/** Splits a stream into its text, its usage events and its single final response. */
function readStream(
  events: readonly ChatStreamEvent[],
  what: string,
): { text: string; response: ChatResponse; usageEvents: number } {
  const done = events.filter((event) => event.type === "done");
  ensureEqual(done.length, 1, `${what}: number of "done" events`);
  ensure(events[events.length - 1]?.type === "done", `${what}: the "done" event must come last.`);
  const text = events.map((event) => (event.type === "text" ? event.text : "")).join("");
  const response = (done[0] as Extract<ChatStreamEvent, { type: "done" }>).response;
  return { text, response, usageEvents: events.filter((event) => event.type === "usage").length };
}

async function expectStopReason(model: ChatModel, request: ChatRequest, expected: StopReason, what: string) {
  const response = await model.generate(request);
  ensureResponse(response, what);
  ensureEqual(response.stopReason, expected, `${what}: stopReason`);
  const streamed = readStream(await collectEvents(model.stream(request)), `${what} (stream)`);
  ensureEqual(streamed.response.stopReason, expected, `${what} (stream): stopReason`);
  return response;
}

/** Every check, in the order they run. */
export const conformanceChecks: readonly ConformanceCheck[] = [
  {
    id: "interface",
    title: 'implements ChatModel "v1"',
    needsEmulator: false,
    async run({ model }) {
      ensureEqual(model.specificationVersion, "v1", "specificationVersion");
      ensure(
        typeof model.provider === "string" && model.provider !== "",
        "provider must be a non-empty string.",
      );
      ensure(
        typeof model.modelId === "string" && model.modelId !== "",
        "modelId must be a non-empty string.",
      );
      ensure(
        typeof model.generate === "function" && typeof model.stream === "function",
        "generate and stream must be functions.",
      );
    },
  },
  {
    id: "text",
    title: "generate returns text, usage, stop reason, model and request id",
    needsEmulator: false,
    async run({ model, emulator }) {
      const response = await model.generate(userRequest(`Summarize: ${ARTICLE}`));
      ensureResponse(response, "generate");
      ensure(response.text.trim() !== "", "generate: the text is empty.");
      ensure(response.usage.outputTokens > 0, "generate: outputTokens must be > 0 for a non-empty answer.");
      if (emulator) {
        ensure(
          typeof response.requestId === "string" && response.requestId !== "",
          "generate: requestId must be set from the provider's request-id.",
        );
      }
    },
  },
  {
    id: "usage-ground-truth",
    title: "usage matches the emulator's ground truth (generate and stream)",
    needsEmulator: true,
    async run(context) {
      const emulator = needEmulator(context);
      const response = await context.model.generate(userRequest(`Summarize: ${ARTICLE}`));
      ensureGroundTruth(emulator, response.usage, "generate");
      emulator.reset();
      const streamed = readStream(
        await collectEvents(context.model.stream(userRequest(`Summarize: ${ARTICLE}`))),
        "stream",
      );
      ensureGroundTruth(emulator, streamed.response.usage, "stream");
    },
  },
  {
    id: "streaming",
    title: "stream: text deltas concatenate to the final text; usage events; one final done",
    needsEmulator: false,
    async run({ model, emulator }) {
      const events = await collectEvents(model.stream(userRequest(`Summarize: ${ARTICLE}`)));
      const { text, response, usageEvents } = readStream(events, "stream");
      ensureResponse(response, "stream");
      ensure(text !== "", "stream: no text events.");
      ensureEqual(text, response.text, "stream: concatenated text deltas vs the final response's text");
      ensure(usageEvents >= 1, "stream: expected at least one usage event before done.");
      for (const event of events) {
        if (event.type === "text")
          ensure(typeof event.text === "string" && event.text !== "", "stream: empty text event.");
      }
      if (emulator) ensureGroundTruth(emulator, response.usage, "stream");
    },
  },
  {
    id: "stop-end-turn",
    title: 'stop reason "end_turn" when the answer is complete',
    needsEmulator: false,
    async run({ model }) {
      await expectStopReason(model, userRequest(SHORT_PROMPT, { maxTokens: 1000 }), "end_turn", "end_turn");
    },
  },
  {
    id: "stop-max-tokens",
    title: 'stop reason "max_tokens" and output within maxTokens',
    needsEmulator: false,
    async run({ model }) {
      const response = await expectStopReason(
        model,
        userRequest(`Summarize: ${ARTICLE}`, { maxTokens: 5 }),
        "max_tokens",
        "max_tokens",
      );
      ensure(response.text !== "", "max_tokens: expected some text before the cut.");
      ensure(
        response.usage.outputTokens > 0 && response.usage.outputTokens <= 5,
        `max_tokens: outputTokens must be in 1..5 (got ${response.usage.outputTokens}).`,
      );
    },
  },
  {
    id: "stop-sequence",
    title: 'stop reason "stop_sequence" and text cut before the sequence',
    needsEmulator: false,
    async run({ model }) {
      const request = userRequest(`Summarize: ${ARTICLE}`);
      const full = (await model.generate(request)).text;
      const stop = pickStopSequence(full);
      ensure(
        stop !== undefined,
        `stop_sequence: the answer ${show(full)} is too short to pick a stop sequence from.`,
      );
      const expected = full.slice(0, full.indexOf(stop));
      const response = await expectStopReason(
        model,
        { ...request, stopSequences: [stop] },
        "stop_sequence",
        "stop_sequence",
      );
      ensure(!response.text.includes(stop), `stop_sequence: the text still contains ${show(stop)}.`);
      ensureEqual(
        response.text.trimEnd(),
        expected.trimEnd(),
        "stop_sequence: text before the stop sequence",
      );
    },
  },
  {
    id: "http-headers",
    title: "responses report HTTP status and headers, rate-limit headers included",
    needsEmulator: true,
    async run({ model }) {
      const response = await model.generate(userRequest(SHORT_PROMPT));
      ensureHttp(response, "generate");
      const streamed = readStream(await collectEvents(model.stream(userRequest(SHORT_PROMPT))), "stream");
      ensureHttp(streamed.response, "stream");
    },
  },
  ...errorChecks,
  ...faultChecks,
  {
    id: "error-malformed-json",
    title: "malformed response body → a retryable LlmError",
    needsEmulator: true,
    async run(context) {
      needEmulator(context).failNext("malformed_json");
      try {
        const outcome = await context.model.generate(userRequest(SHORT_PROMPT, { transportRetries: 0 }));
        throw new ConformanceError(
          `malformed_json: the call resolved with ${show(outcome)}; it should fail.`,
        );
      } catch (error) {
        if (error instanceof ConformanceError) throw error;
        ensure(isLlmError(error), `malformed_json: expected an LlmError, got ${show(error)}.`);
        ensure(
          error.retryable,
          `malformed_json: a garbled response is transient; got non-retryable ${error.code}.`,
        );
      }
    },
  },
  {
    id: "error-midstream-overloaded",
    title: "overloaded error in the middle of a stream → OverloadedError",
    needsEmulator: true,
    async run(context) {
      needEmulator(context).failNext("midstream_overloaded");
      const error = await expectLlmError(
        () => rejectStream(context.model, userRequest(`Summarize: ${ARTICLE}`, { transportRetries: 0 })),
        { code: "overloaded", retryable: true, withinMs: PROMPTLY_MS },
        "midstream_overloaded",
      );
      ensureNoSecret(error, context.apiKey, "midstream_overloaded");
    },
  },
  {
    id: "stream-errors",
    title: "stream() fails with the same typed errors as generate()",
    needsEmulator: true,
    async run(context) {
      const emulator = needEmulator(context);
      const cases: [FaultKind, LlmErrorCode][] = [
        ["rate_limit", "rate_limited"],
        ["overloaded", "overloaded"],
        ["authentication", "authentication"],
      ];
      for (const [kind, code] of cases) {
        emulator.reset();
        emulator.failNext(kind);
        await expectLlmError(
          () => rejectStream(context.model, userRequest(SHORT_PROMPT, { transportRetries: 0 })),
          { code, withinMs: PROMPTLY_MS },
          `stream ${kind}`,
        );
      }
    },
  },
  {
    id: "transport-retries-zero",
    title: "transportRetries: 0 makes exactly one HTTP attempt",
    needsEmulator: true,
    async run(context) {
      const emulator = needEmulator(context);
      for (const kind of ["overloaded", "rate_limit", "server_error"] as const) {
        emulator.reset();
        emulator.failNext(kind, kind === "rate_limit" ? { retryAfterSeconds: 1 } : undefined);
        try {
          await context.model.generate(userRequest(SHORT_PROMPT, { transportRetries: 0 }));
        } catch {
          // The failure itself is checked elsewhere; here only the attempt count matters.
        }
        ensureEqual(emulator.stats().requests, 1, `${kind} with transportRetries: 0: HTTP requests sent`);
      }
    },
  },
  {
    id: "abort-before-send",
    title: "an already-aborted signal rejects with AbortedError and sends nothing",
    needsEmulator: false,
    async run({ model, emulator }) {
      const controller = new AbortController();
      controller.abort();
      const request = userRequest(SHORT_PROMPT, { signal: controller.signal });
      await expectLlmError(
        () => model.generate(request),
        { code: "aborted", retryable: false, withinMs: PROMPTLY_MS },
        "generate",
      );
      await expectLlmError(
        () => rejectStream(model, request),
        { code: "aborted", withinMs: PROMPTLY_MS },
        "stream",
      );
      if (emulator) ensureEqual(emulator.stats().requests, 0, "abort before send: HTTP requests sent");
    },
  },
  {
    id: "abort-in-flight",
    title: "aborting a slow call rejects promptly with AbortedError",
    needsEmulator: true,
    async run(context) {
      const emulator = needEmulator(context);
      for (const mode of ["generate", "stream"] as const) {
        emulator.reset();
        emulator.failNext("slow");
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 200);
        const request = userRequest(SHORT_PROMPT, { signal: controller.signal, transportRetries: 0 });
        try {
          await expectLlmError(
            () =>
              mode === "generate" ? context.model.generate(request) : rejectStream(context.model, request),
            { code: "aborted", retryable: false, withinMs: PROMPTLY_MS },
            `${mode} aborted in flight`,
          );
        } finally {
          clearTimeout(timer);
        }
      }
    },
  },
  {
    id: "abort-mid-stream",
    title: "aborting after the first text event ends the stream with AbortedError",
    needsEmulator: false,
    async run({ model, emulator }) {
      emulator?.configure({ latency: { perOutputTokenMs: 40 } });
      try {
        const controller = new AbortController();
        const iterator = model
          .stream(userRequest(`Summarize: ${ARTICLE}`, { signal: controller.signal, transportRetries: 0 }))
          [Symbol.asyncIterator]();
        let sawText = false;
        while (!sawText) {
          const next = await iterator.next();
          ensure(!next.done, "abort mid-stream: the stream ended before any text arrived.");
          sawText = next.value.type === "text";
        }
        controller.abort();
        await expectLlmError(
          async () => {
            for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
              if (next.value.type === "done") {
                throw new ConformanceError(
                  "abort mid-stream: the stream completed although the signal aborted.",
                );
              }
            }
            throw new ConformanceError(
              "abort mid-stream: the stream ended quietly; it must reject with AbortedError.",
            );
          },
          { code: "aborted", withinMs: PROMPTLY_MS },
          "abort mid-stream",
        );
      } finally {
        emulator?.configure({ latency: { firstTokenMs: 0, perOutputTokenMs: 0 } });
      }
    },
  },
  {
    id: "timeout",
    title: "timeoutMs on a slow call rejects with RequestTimeoutError (retryable)",
    needsEmulator: true,
    async run(context) {
      const emulator = needEmulator(context);
      for (const mode of ["generate", "stream"] as const) {
        emulator.reset();
        emulator.failNext("slow");
        const request = userRequest(SHORT_PROMPT, { timeoutMs: 300, transportRetries: 0 });
        await expectLlmError(
          () =>
            mode === "generate" ? context.model.generate(request) : rejectStream(context.model, request),
          { code: "timeout", retryable: true, withinMs: PROMPTLY_MS },
          `${mode} timeout`,
        );
      }
    },
  },
  {
    id: "invalid-request-locally",
    title: "malformed requests (no messages, maxTokens 0) → InvalidRequestError",
    needsEmulator: false,
    async run({ model }) {
      await expectLlmError(
        () => model.generate({ messages: [], maxTokens: 10 }),
        { code: "invalid_request", retryable: false },
        "empty messages",
      );
      await expectLlmError(
        () => model.generate(userRequest(SHORT_PROMPT, { maxTokens: 0 })),
        { code: "invalid_request", retryable: false },
        "maxTokens 0",
      );
    },
  },
];

function ensureHttp(response: ChatResponse, what: string): void {
  const http = response.http;
  ensure(http !== undefined, `${what}: response.http is missing; limiters need the status and headers.`);
  ensureEqual(http.status, 200, `${what}: http.status`);
  const names = Object.keys(http.headers);
  ensure(
    names.every((name) => name === name.toLowerCase()),
    `${what}: header names must be lower-cased (got ${show(names)}).`,
  );
  ensure(
    names.some((name) => name.includes("ratelimit")),
    `${what}: no rate-limit headers in http.headers (got ${show(names)}).`,
  );
  if (response.requestId !== undefined) {
    const headerId = http.headers["request-id"] ?? http.headers["x-request-id"];
    ensure(headerId !== undefined, `${what}: the request-id header is missing from http.headers.`);
  }
}

/** A word from the middle of the answer, with the space before it, so it cuts the text mid-way. */
function pickStopSequence(text: string): string | undefined {
  const words = text.split(/\s+/).filter((word) => /^[A-Za-z]{4,}$/.test(word));
  for (const word of words.slice(Math.floor(words.length / 2))) {
    const stop = ` ${word}`;
    if (text.indexOf(stop) > 0) return stop;
  }
  for (const word of words) {
    const stop = ` ${word}`;
    if (text.indexOf(stop) > 0) return stop;
  }
  return undefined;
}
