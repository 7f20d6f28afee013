import { SluiceError } from "@sluice/core";

// One class for "Redis is not there at start" in every Sluice package: a pool's workers and the
// shared quota they spend connect to the same Redis, and `instanceof` must hold whichever of the two
// noticed first. Its home is the lower package; this one re-exports it.
export { RedisUnreachableError } from "@sluice/throttle-redis";

/** Another live producer holds the run id: two producers of one run would submit and collect twice. */
export class RunInUseError extends SluiceError {
  readonly runId: string;

  constructor(runId: string, expiresInMs: number) {
    super(
      "run_in_use",
      `Run "${runId}" is held by another live producer. Wait for it to finish, stop it, or pick ` +
        `another run id. If that producer died, its lease frees in ${Math.ceil(expiresInMs / 1000)} s.`,
    );
    this.runId = runId;
  }
}

/** An item, params object or result cannot cross the wire as JSON. */
export class NotSerializableError extends SluiceError {
  constructor(what: string, path: string, found: string) {
    super(
      "not_serializable",
      `${what} is not JSON-serialisable: ${path} is ${found}. Items, params and results of a ` +
        "distributed node travel as JSON: pass plain objects, arrays, strings, finite numbers, " +
        "booleans and null (a Date as an ISO string, a large document by reference such as its path).",
    );
  }
}

/** An item or result exceeds `maxPayloadBytes`. */
export class PayloadTooLargeError extends SluiceError {
  constructor(what: string, bytes: number, limit: number) {
    super(
      "payload_too_large",
      `${what} is ${bytes} bytes as JSON, over the limit of ${limit} bytes (maxPayloadBytes). ` +
        "Pass large documents by reference (a file path or object-store key in the item) and load " +
        "them in exec, or raise maxPayloadBytes.",
    );
  }
}

/** What is known of an error raised on a worker: it crossed the wire as name, message and code. */
export interface RemoteErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly retryable?: boolean;
}

/**
 * An item's exec failed on a worker (after the node's retries and fallback there). The worker's
 * error is rebuilt here: `remote` holds its name, message and code; `remoteCode` its code alone.
 */
export class RemoteExecError extends SluiceError {
  readonly item: number;
  readonly remote: RemoteErrorInfo;
  readonly remoteCode: string | undefined;
  readonly retryable: boolean | undefined;

  constructor(nodeName: string, item: number, remote: RemoteErrorInfo) {
    super(
      "remote_exec_failed",
      `${nodeName} item ${item} failed on a worker: ${remote.name}: ${remote.message}`,
    );
    this.item = item;
    this.remote = remote;
    this.remoteCode = remote.code;
    this.retryable = remote.retryable;
  }
}

/** An item's job vanished without a result more often than `maxResubmits` allows. */
export class WorkerLostError extends SluiceError {
  constructor(nodeName: string, item: number, submissions: number) {
    super(
      "worker_lost",
      `${nodeName} item ${item} was lost ${submissions} times without a result (its worker died or ` +
        "the job was removed). Check the workers' logs: an item that crashes its worker every time " +
        "is never finished.",
    );
  }
}

/** A worker got a job for a node it was not given in `startWorker({ nodes })`. */
export class UnknownNodeError extends SluiceError {
  constructor(name: string, known: string[]) {
    super(
      "unknown_node",
      `This worker has no node named "${name}" (it knows: ${known.join(", ") || "none"}). Pass the ` +
        `class in startWorker({ nodes: { ${name} } }) on every worker of the queue.`,
    );
  }
}
