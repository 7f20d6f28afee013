// A traced Sluice run: flow, batch item, node and `chat <model>` spans, printed as a tree.
// Swap the in-memory exporter for an OTLP one to send them to Jaeger, Tempo, Honeycomb, …
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Flow, Node, ParallelBatchFlow } from "@sluice/core";
import { callLlm, createOfflineModel } from "@sluice/llm";
import { traceFlow, traceModel } from "@sluice/otel";
import { Throttle } from "@sluice/throttle";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("example");

const throttle = new Throttle({ concurrency: 2 });
// The span covers the wait for the throttle and every retry, so pass the limiter here.
const model = traceModel(createOfflineModel(), { tracer, limiter: throttle });

class Summarize extends Node {
  async exec() {
    return callLlm(`Summarize: ${this._params.text}`, { model, maxTokens: 60 });
  }
}
class PerText extends ParallelBatchFlow {
  async prep(shared) {
    return shared.texts.map((text) => ({ text }));
  }
}
const flow = new Flow(new PerText(new Summarize(), { concurrency: 2, name: "PerText" }), { name: "Digest" });
await flow.run(
  {
    texts: [
      "The harbour froze in January. Ferries stopped.",
      "Deltas form where rivers slow down. Silt builds land.",
    ],
  },
  { onEvent: traceFlow({ tracer }) },
);
await throttle.close();

const spans = exporter.getFinishedSpans();
const print = (parentId, depth) => {
  for (const span of spans.filter((s) => s.parentSpanContext?.spanId === parentId)) {
    const usage = span.attributes["gen_ai.usage.input_tokens"];
    console.log(
      `${"  ".repeat(depth)}${span.name}${usage === undefined ? "" : `  (input tokens: ${usage})`}`,
    );
    print(span.spanContext().spanId, depth + 1);
  }
};
print(undefined, 0);
