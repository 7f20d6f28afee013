import type { EventListener } from "@sluice/core";
import type { ProviderSession } from "./providers.js";

/**
 * OpenTelemetry traces of a run, exported over OTLP/HTTP when the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: a workflow span
 * for the run, spans for its flows, files and nodes, and a `chat <model>` span for every model call
 * (see @sluice/otel). The exporter reads the other `OTEL_EXPORTER_OTLP_*` variables (headers,
 * timeout) itself; `OTEL_SERVICE_NAME` names the service (default "sluice-summarizer").
 *
 * Without the variable nothing is loaded: the OpenTelemetry packages are imported only when used.
 */

const listeners = new WeakMap<ProviderSession, EventListener>();

/** Whether this environment asks for trace export. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * The session with its model traced and its `close` flushing the spans, when export is requested;
 * the session unchanged otherwise.
 */
export async function withTracing(
  session: ProviderSession,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProviderSession> {
  if (!tracingRequested(env)) return session;
  const [
    { OTLPTraceExporter },
    { BasicTracerProvider, BatchSpanProcessor },
    { resourceFromAttributes },
    otel,
  ] = await Promise.all([
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@sluice/otel"),
  ]);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME || "sluice-summarizer" }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const tracer = provider.getTracer("@sluice/summarizer");
  const traced: ProviderSession = {
    ...session,
    model: otel.traceModel(session.model, { tracer, baseURL: session.endpoint }),
    async close() {
      try {
        await session.close();
      } finally {
        // Every span reaches the collector before the process exits; a collector that is down
        // costs the exporter's timeout, never the run's results.
        await provider.shutdown().catch(() => {});
      }
    },
  };
  listeners.set(traced, otel.traceFlow({ tracer }));
  return traced;
}

/** `listener` plus, for a traced session, the listener that turns the run's events into spans. */
export function traceEvents(session: ProviderSession, listener: EventListener): EventListener {
  const tracing = listeners.get(session);
  if (tracing === undefined) return listener;
  return (event) => {
    tracing(event);
    listener(event);
  };
}
