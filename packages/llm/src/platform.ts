/**
 * Web platform types in Sluice's public declarations, declared so that a strict consumer with
 * `lib: ["es2022"]` and neither DOM nor Node types still compiles against them. Where the
 * consumer's types do have the real thing (DOM, @types/node), the alias is exactly that.
 */

/** The part of `AbortSignal` Sluice uses, for consumers whose types have none. */
export interface AbortSignalShape {
  readonly aborted: boolean;
  readonly reason: any;
  throwIfAborted(): void;
  addEventListener(type: "abort", listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** The platform's `AbortSignal` when the consumer's types declare one, else `AbortSignalShape`. */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer Signal } }
  ? Signal
  : AbortSignalShape;

/** What `readSse` reads: a `ReadableStream<Uint8Array>` (a fetch response's body) or anything shaped like one. */
export interface ByteStream {
  getReader(): ByteStreamReader;
}

export interface ByteStreamReader {
  read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}
