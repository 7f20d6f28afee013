/**
 * The part of an `AbortSignal` the throttle uses. Declared here so that the throttle's types compile
 * for a consumer with neither DOM nor Node types (`lib: ["es2022"]`, no `@types/node`).
 */
export interface AbortSignalShape {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(
    type: "abort",
    listener: { handleEvent(event: unknown): void },
    options?: { once?: boolean },
  ): void;
  removeEventListener(type: "abort", listener: { handleEvent(event: unknown): void }): void;
}

/**
 * The platform's `AbortSignal` where the consumer's types declare one (DOM or Node), so a task can
 * hand `context.signal` straight to `fetch` or an SDK; the structural shape above where they do not.
 */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer Signal } }
  ? Signal
  : AbortSignalShape;
