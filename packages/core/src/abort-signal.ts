/**
 * The part of an AbortSignal that Sluice uses, declared here so that core's types compile for a
 * consumer without DOM or Node types (`lib: ["es2022"]`, no `@types/node`), as pocketflow's do.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: any;
  addEventListener(type: "abort", listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
  throwIfAborted(): void;
}

/**
 * The platform's `AbortSignal` wherever one is declared (DOM or Node types), so `this.signal` goes
 * straight into fetch or an SDK; `AbortSignalLike` where none is.
 */
export type SignalOf = typeof globalThis extends { AbortSignal: { prototype: infer S } }
  ? S
  : AbortSignalLike;
