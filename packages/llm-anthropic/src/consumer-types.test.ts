import { fileURLToPath } from "node:url";
import { type ConsumerResolution, compileConsumer } from "@sluice/llm/testing";
import { describe, expect, it } from "vitest";

// Issue 16: a strict consumer with lib es2022 and neither DOM nor Node types compiles against the
// built declarations (@anthropic-ai/sdk ships declarations that need neither).

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
// The SDK's declarations make each compile take ~30 s on a loaded machine: CJS under node16 and ESM
// under bundler cover both module kinds and both modern modes (@sluice/llm's own test adds node10).
const RESOLUTIONS: readonly ConsumerResolution[] = ["node16-cjs", "bundler"];
const CONSUMER = `
import { callLlm } from "@sluice/llm";
import { createAnthropicModel, type AnthropicModelOptions } from "@sluice/llm-anthropic";

const options: AnthropicModelOptions = { apiKey: "sk-ant-example", model: "claude-haiku-5-5", timeoutMs: 30_000 };
const model = createAnthropicModel(options);
export const answer: Promise<string> = callLlm("Summarize: a b c.", { model });
export const accounting: "refund-unused" = model.rateLimitAccounting;
`;

describe("the published declarations compile for a strict consumer without DOM or Node types", () => {
  it.each(RESOLUTIONS)(
    "%s",
    async (resolution) => {
      const result = await compileConsumer({
        packages: {
          "@sluice/llm-anthropic": PACKAGE,
          "@sluice/llm": fileURLToPath(new URL("../../llm", import.meta.url)),
        },
        source: CONSUMER,
        resolution,
        typescriptFrom: import.meta.url,
      });
      expect(result.output).toBe("");
    },
    240_000,
  );
});
