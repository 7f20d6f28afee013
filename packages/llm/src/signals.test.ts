import { describe, expect, it } from "vitest";
import { isLlmError, TimeoutError } from "./errors.js";
import { sleep } from "./signals.js";

describe("sleep", () => {
  it("resolves after the delay", async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
  });

  it("rejects with AbortedError at once when the signal has fired, or fires while waiting", async () => {
    const fired = new AbortController();
    fired.abort();
    const early = await sleep(60_000, fired.signal).catch((error: unknown) => error);
    expect(isLlmError(early, "aborted")).toBe(true);

    const later = new AbortController();
    const waiting = sleep(60_000, later.signal).catch((error: unknown) => error);
    later.abort();
    expect(isLlmError(await waiting, "aborted")).toBe(true);
  });

  it("passes on an LlmError reason (a timeout stays a timeout)", async () => {
    const controller = new AbortController();
    const reason = new TimeoutError({ timeoutMs: 10 });
    controller.abort(reason);
    await expect(sleep(60_000, controller.signal)).rejects.toBe(reason);
  });
});
