// nodes.mjs: loaded by the producer and by every worker, so both know the same class.
import { ParallelBatchNode } from "@sluice/core";
import { callLlm } from "@sluice/llm";

export class SummarizeAll extends ParallelBatchNode {
  async prep(shared) {
    return shared.texts; // the items; a large document goes by reference (a path, an object key)
  }
  async exec(text) {
    // Runs on a worker. With no API key set, callLlm uses the offline model: no network, no cost.
    const summary = await callLlm(`Summarize: ${text}`, { maxTokens: 40, signal: this.signal });
    return { summary, worker: process.pid };
  }
  async post(shared, _texts, results) {
    shared.summaries = results; // runs in the producer, with the results in input order
  }
}
