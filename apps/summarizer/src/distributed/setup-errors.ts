/**
 * Redis or the pool refused the setup before any work was sent: the bad-setup exit code. Matched by
 * the errors' stable codes, so that recognising one does not load BullMQ and ioredis (a run without
 * `--redis` never does): `redis_unreachable` from the runner or the shared quota's store,
 * `run_in_use` when another producer holds the run id.
 */
export function isPoolSetupError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === "redis_unreachable" || code === "run_in_use");
}
