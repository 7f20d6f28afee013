// The two examples of the spec page "(Advanced) Parallel", verbatim apart from the helpers they
// assume (SharedStorage, callLlm, LoadAndSummarizeFile), which the page leaves to the reader.
import { describe, expect, it } from "vitest";
import { Flow, Node, ParallelBatchFlow, ParallelBatchNode } from "./index.js";

type SharedStorage = {
  texts?: string[];
  summaries?: string[];
  files?: string[];
  fileSummaries?: Record<string, string>;
};

const calls: string[] = [];
async function callLlm(prompt: string): Promise<string> {
  calls.push(prompt);
  await new Promise((resolve) => setTimeout(resolve, 5));
  return `summary of <${prompt.replace(/^Summarize: /, "")}>`;
}

class TextSummarizer extends ParallelBatchNode<SharedStorage> {
  async prep(shared: SharedStorage): Promise<string[]> {
    // e.g., multiple texts
    return shared.texts || [];
  }

  async exec(text: string): Promise<string> {
    const prompt = `Summarize: ${text}`;
    return await callLlm(prompt);
  }

  async post(shared: SharedStorage, prepRes: string[], execRes: string[]): Promise<string | undefined> {
    shared.summaries = execRes;
    return "default";
  }
}

class LoadAndSummarizeFile extends Node<SharedStorage> {
  async prep(): Promise<string> {
    return String(this._params.filename);
  }

  async exec(filename: string): Promise<string> {
    return await callLlm(`Summarize: contents of ${filename}`);
  }

  async post(shared: SharedStorage, filename: string, summary: string): Promise<string | undefined> {
    shared.fileSummaries = { ...shared.fileSummaries, [filename]: summary };
    return undefined;
  }
}

class SummarizeMultipleFiles extends ParallelBatchFlow<SharedStorage> {
  async prep(shared: SharedStorage): Promise<Record<string, any>[]> {
    return (shared.files || []).map((f) => ({ filename: f }));
  }
}

describe("the spec page's examples", () => {
  it("ParallelBatchNode: TextSummarizer in a Flow summarizes every text, in order", async () => {
    const node = new TextSummarizer();
    const flow = new Flow(node);
    const shared: SharedStorage = { texts: ["alpha", "beta", "gamma"] };

    const action = await flow.run(shared);

    expect(shared.summaries).toEqual(["summary of <alpha>", "summary of <beta>", "summary of <gamma>"]);
    expect(action).toBe("default");
  });

  it("ParallelBatchFlow: SummarizeMultipleFiles runs the sub-flow once per file", async () => {
    const shared: SharedStorage = { files: ["a.txt", "b.txt", "c.txt"] };

    const subFlow = new Flow(new LoadAndSummarizeFile());
    const parallelFlow = new SummarizeMultipleFiles(subFlow);
    await parallelFlow.run(shared);

    expect(shared.fileSummaries).toEqual({
      "a.txt": "summary of <contents of a.txt>",
      "b.txt": "summary of <contents of b.txt>",
      "c.txt": "summary of <contents of c.txt>",
    });
  });

  it("the options form caps the same node's concurrency without changing its code", async () => {
    calls.length = 0;
    const shared: SharedStorage = { texts: Array.from({ length: 10 }, (_, i) => `t${i}`) };
    await new Flow(new TextSummarizer({ concurrency: 2, maxRetries: 3 })).run(shared);
    expect(shared.summaries).toHaveLength(10);
    expect(calls).toHaveLength(10);
  });
});
