import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ConsumerResolution, compileConsumer } from "./testing.js";

// Issue 16: a strict consumer with lib es2022 and neither DOM nor Node types compiles against the
// built declarations of both entries, in every resolution mode (node10 through typesVersions).

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const RESOLUTIONS: readonly ConsumerResolution[] = ["node16-esm", "node16-cjs", "bundler", "node10"];
const CONSUMER = `
import { callLlm, createOfflineModel, isLlmError, type ChatRequest, withLimiter } from "@sluice/llm";
import { describeConformance, startScriptedServer } from "@sluice/llm/testing";

const model = withLimiter(createOfflineModel(), { run: (task) => task({ signal: undefined as never }) });
const request: ChatRequest = { messages: [{ role: "user", content: "hi" }], maxTokens: 5 };
export const answer: Promise<string> = callLlm("Summarize: a b c.", { model });
export const streamed = model.stream(request);
export const isTimeout = (error: unknown): boolean => isLlmError(error, "timeout") && error.requestOutcome !== "not_sent";
export const kit = [describeConformance, startScriptedServer];
`;

describe("the published declarations compile for a strict consumer without DOM or Node types", () => {
  it.each(RESOLUTIONS)(
    "%s",
    async (resolution) => {
      const result = await compileConsumer({
        packages: { "@sluice/llm": PACKAGE },
        source: CONSUMER,
        resolution,
        typescriptFrom: import.meta.url,
      });
      expect(result.output).toBe("");
    },
    120_000,
  );

  it("and the check catches a consumer that does not compile", async () => {
    const result = await compileConsumer({
      packages: { "@sluice/llm": PACKAGE },
      source: `import { callLlm } from "@sluice/llm";\nexport const n: number = callLlm;\n`,
      resolution: "node16-esm",
      typescriptFrom: import.meta.url,
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("TS2322");
  }, 120_000);
});
