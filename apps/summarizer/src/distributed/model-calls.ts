import { type BullmqRunner, RemoteExecError } from "@sluice/bullmq";
import { ParallelBatchNode } from "@sluice/core";
import type { ChatModel, ChatRequest, ChatResponse } from "@sluice/llm";

/** A request as it crosses the wire: everything but the signal, which stays with the caller. */
type WireRequest = Omit<ChatRequest, "signal">;

/**
 * The unit of work the pool runs: model calls. prep and post are trivial; exec sends one request
 * to the worker's model, which sits behind that worker's throttle (and, once wired, the shared
 * quota). Everything else of a run (reading, chunking, the budget, summaries, index.json, the
 * journal) stays in the producer, exactly as in a run on one machine.
 */
export class ModelCalls extends ParallelBatchNode<{ requests: WireRequest[]; responses?: ChatResponse[] }> {
  constructor(private readonly model?: ChatModel) {
    super({ name: "ModelCalls" });
  }

  override async prep(shared: { requests: WireRequest[] }): Promise<WireRequest[]> {
    return shared.requests;
  }

  override async exec(request: WireRequest): Promise<ChatResponse> {
    if (this.model === undefined) throw new Error("ModelCalls runs on a worker, which gives it its model.");
    const response = await this.model.generate({ ...request, signal: this.signal });
    // Only what the producer reads: headers and raw bodies would only fatten the result.
    return {
      text: response.text,
      usage: response.usage,
      stopReason: response.stopReason,
      model: response.model,
      ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
    };
  }

  override async post(
    shared: { responses?: ChatResponse[] },
    _requests: unknown,
    responses: ChatResponse[],
  ): Promise<undefined> {
    shared.responses = responses;
    return undefined;
  }
}

/**
 * A worker's error, rebuilt in the producer with the worker's code and retryability, so the
 * summarizer's retry rule and fatal-error check treat it as they treat a local call's error.
 */
export class PoolCallError extends Error {
  readonly code: string | undefined;
  readonly retryable: boolean | undefined;

  constructor(remote: RemoteExecError) {
    super(remote.remote.message, { cause: remote });
    this.name = remote.remote.name;
    this.code = remote.remoteCode;
    this.retryable = remote.retryable;
  }
}

/**
 * The producer's model: each call goes to the pool as a batch of one request, and the answer comes
 * back from whichever worker ran it. Cancelling the call's signal cancels it on the worker.
 */
export function poolModel(runner: BullmqRunner, identity: { provider: string; modelId: string }): ChatModel {
  const Calls = runner.distribute(ModelCalls);
  const generate = async (request: ChatRequest): Promise<ChatResponse> => {
    const { signal, ...wire } = request;
    const shared: { requests: WireRequest[]; responses?: ChatResponse[] } = { requests: [wire] };
    try {
      await new Calls().run(shared, { logger: null, ...(signal ? { signal: signal as AbortSignal } : {}) });
    } catch (error) {
      throw error instanceof RemoteExecError ? new PoolCallError(error) : error;
    }
    const response = shared.responses?.[0];
    if (response === undefined) throw new Error("The pool returned no response for a model call.");
    return response;
  };
  return {
    specificationVersion: "v1",
    provider: identity.provider,
    modelId: identity.modelId,
    generate,
    async *stream(request) {
      yield { type: "done", response: await generate(request) };
    },
  };
}
