import { fileURLToPath } from "node:url";
import { type ConsumerResolution, compileConsumer } from "@sluice/llm/testing";
import { describe, expect, it } from "vitest";

// Issue 16: a strict consumer with lib es2022 and neither DOM nor Node types compiles against the
// built declarations (`fetch` and `AbortSignal` are declared structurally when the consumer has none).

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const RESOLUTIONS: readonly ConsumerResolution[] = ["node16-esm", "node16-cjs", "bundler", "node10"];
const CONSUMER = `
import { callLlm } from "@sluice/llm";
import { createOpenAICompatibleModel, type OpenAICompatibleModelOptions } from "@sluice/llm-openai";

const options: OpenAICompatibleModelOptions = { preset: "ollama", model: "llama3.2", timeoutMs: 30_000 };
const model = createOpenAICompatibleModel(options);
export const answer: Promise<string> = callLlm("Summarize: a b c.", { model });
export const base: string = model.baseURL;
`;

describe("the published declarations compile for a strict consumer without DOM or Node types", () => {
  it.each(RESOLUTIONS)(
    "%s",
    async (resolution) => {
      const result = await compileConsumer({
        packages: {
          "@sluice/llm-openai": PACKAGE,
          "@sluice/llm": fileURLToPath(new URL("../../llm", import.meta.url)),
        },
        source: CONSUMER,
        resolution,
        typescriptFrom: import.meta.url,
      });
      expect(result.output).toBe("");
    },
    120_000,
  );
});
