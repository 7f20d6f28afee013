// A minimal OTLP/HTTP receiver on 127.0.0.1:4318 that prints each trace it receives as a tree of
// span names (with tokens for model calls). Stand-in for Jaeger or any collector; Ctrl-C stops it.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 4318);
const value = (attribute) => attribute?.value?.stringValue ?? attribute?.value?.intValue;

createServer(async (request, response) => {
  let body = "";
  for await (const chunk of request) body += chunk;
  const spans = JSON.parse(body).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const ids = new Set(spans.map((span) => span.spanId));
  const print = (parent, depth) => {
    for (const span of spans.filter((s) => (s.parentSpanId || undefined) === parent)) {
      const tokens = value(span.attributes.find((a) => a.key === "gen_ai.usage.input_tokens"));
      console.log(
        `${"  ".repeat(depth)}${span.name}${tokens === undefined ? "" : `  (input tokens: ${tokens})`}`,
      );
      print(span.spanId, depth + 1);
    }
  };
  // Spans whose parent is in an earlier export start their own tree here.
  for (const span of spans) if (span.parentSpanId && !ids.has(span.parentSpanId)) print(span.parentSpanId, 0);
  print(undefined, 0);
  response.writeHead(200, { "content-type": "application/json" }).end("{}");
}).listen(port, "127.0.0.1", () => console.log(`OTLP/HTTP receiver on http://127.0.0.1:${port}`));
