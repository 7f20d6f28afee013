import { type Tracer, trace } from "@opentelemetry/api";

/** The instrumentation scope of every span this package makes. */
export const INSTRUMENTATION_SCOPE = "@sluice/otel";

/** Looked up on each use, so a tracer provider registered after import is still picked up. */
export function defaultTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_SCOPE);
}
