// The spec page's TextSummarizer in a few lines: one ParallelBatchNode over a few texts, with an offline
// summarize function (first sentence of each text) standing in for a model call. The full tool built
// the same way is apps/summarizer (`pnpm demo`, or `npx @sluice/summarizer --demo`).
import { Flow, ParallelBatchNode } from "@sluice/core";

const texts = [
  "Sluice runs many model calls at once. It keeps them under the provider's rate limits, retries what failed, and never loses finished work.",
  "A ParallelBatchNode maps one exec over many items. Items run concurrently, at most `concurrency` at a time, and results keep input order.",
  "Cancellation reaches every in-flight item through this.signal. A failed item can reject the batch or be recorded while the rest go on.",
];

async function summarizeOffline(prompt) {
  await new Promise((resolve) => setTimeout(resolve, 50)); // stands in for network latency
  const text = prompt.replace(/^Summarize: /, "");
  return text.split(/(?<=[.!?])\s/)[0];
}

class TextSummarizer extends ParallelBatchNode {
  async prep(shared) {
    return shared.texts || [];
  }

  async exec(text) {
    return await summarizeOffline(`Summarize: ${text}`);
  }

  async post(shared, prepRes, execRes) {
    shared.summaries = execRes;
    return "default";
  }
}

const shared = { texts };
const started = performance.now();
let peak = 0;
await new Flow(new TextSummarizer({ concurrency: 2, maxRetries: 3, backoff: true })).run(shared, {
  onEvent: (event) => {
    if (event.type === "progress") peak = Math.max(peak, event.inFlight);
  },
});
for (const [i, summary] of shared.summaries.entries()) console.log(`${i + 1}. ${summary}`);
console.log(
  `\n${texts.length} texts summarized in ${Math.round(performance.now() - started)} ms, at most ${peak} at once ` +
    "(offline stand-in, not an LLM).",
);
