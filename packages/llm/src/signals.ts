import { AbortedError, isLlmError, type RequestTimeoutError } from "./errors.js";
import type { AbortSignalLike } from "./platform.js";

/** One signal that aborts when any of the given ones does (undefined entries are skipped). */
export function anySignal(...signals: (AbortSignalLike | undefined)[]): AbortSignalLike | undefined {
  const present = signals.filter((signal): signal is AbortSignalLike => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** The error to throw for an aborted signal: its reason when that is already an LlmError. */
export function abortError(
  signal: AbortSignalLike | undefined,
  cause?: unknown,
): AbortedError | RequestTimeoutError {
  const reason: unknown = signal?.reason;
  if (isLlmError(reason) && (reason.code === "aborted" || reason.code === "timeout")) {
    return reason as AbortedError | RequestTimeoutError;
  }
  return new AbortedError({ cause: cause ?? reason });
}

/** Throws `AbortedError` if the signal has already fired. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Resolves after `ms`, or rejects with `AbortedError` as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
