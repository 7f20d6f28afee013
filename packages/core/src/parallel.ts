import { planExec } from "./attempt.js";
import { BatchFlow, execBatch } from "./batch.js";
import { RunContext } from "./context.js";
import { type BaseNode, Node } from "./node.js";
import {
  checkConcurrency,
  checkFailFast,
  type ParallelBatchFlowOptions,
  type ParallelBatchNodeOptions,
  resolveNodeOptions,
} from "./options.js";

/**
 * Like BatchNode, but items run concurrently: at most `concurrency` at once (default: all), as a
 * sliding window over the items, pulled lazily. Results keep input order. Each item has its own
 * retries, `currentRetry` and `signal`.
 *
 * @example
 * class TextSummarizer extends ParallelBatchNode<Shared> {
 *   async prep(shared: Shared) { return shared.texts ?? []; }
 *   async exec(text: string) { return callLlm(`Summarize: ${text}`); }
 * }
 * new TextSummarizer({ concurrency: 8, maxRetries: 3, backoff: true, timeout: 30_000 });
 */
export class ParallelBatchNode<S = unknown, P extends object = Record<string, unknown>> extends Node<S, P> {
  protected readonly _failFast: boolean;
  protected readonly _concurrency: number;

  constructor(maxRetries?: number, wait?: number);
  constructor(options?: ParallelBatchNodeOptions);
  constructor(maxRetriesOrOptions?: number | ParallelBatchNodeOptions, wait?: number) {
    const options = resolveNodeOptions<ParallelBatchNodeOptions>(maxRetriesOrOptions, wait);
    super(options);
    this._failFast = checkFailFast(options.failFast);
    this._concurrency = checkConcurrency(options.concurrency);
  }

  override async _exec(items: unknown, context: RunContext = RunContext.root()): Promise<unknown[]> {
    return execBatch(this, items, context, planExec(this, this._options), {
      concurrency: this._concurrency,
      failFast: this._failFast,
      isolateItems: true,
    });
  }
}

/** Like BatchFlow, but the sub-flow runs for many entries at once, at most `concurrency` at a time. */
export class ParallelBatchFlow<
  S = unknown,
  P extends object = Record<string, unknown>,
  NP extends object[] = Record<string, unknown>[],
> extends BatchFlow<S, P, NP> {
  protected override readonly _concurrency: number;

  constructor(start: BaseNode<any, any>, options: ParallelBatchFlowOptions = {}) {
    super(start, options);
    this._concurrency = checkConcurrency(options.concurrency);
  }
}
