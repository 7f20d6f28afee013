// Run after `pnpm --filter @sluice/llm build`:  node packages/llm/examples/summarize.mjs
// Without ANTHROPIC_API_KEY this uses the offline extractive summarizer (not an LLM).
import { callLlm, chat, estimateInputTokens, resolveDefaultModel, usageCost } from "@sluice/llm";

const text = [
  "River deltas form where a river meets a slower body of water and drops the sediment it carries.",
  "Over centuries the silt builds new land, and the river splits into channels that shift with each flood.",
  "Deltas are among the most fertile places on Earth, which is why farming cultures grew up on them.",
  "Dams upstream trap sediment, and without fresh silt a delta slowly sinks.",
].join(" ");

const { model, source } = resolveDefaultModel();
console.log(`default model: ${model.provider}/${model.modelId} (chosen by ${source})`);

console.log("callLlm:", await callLlm(`Summarize in one sentence: ${text}`));

const request = { messages: [{ role: "user", content: `Summarize: ${text}` }], maxTokens: 200 };
const response = await chat(request);
const cost = usageCost(response.usage, response.model);
console.log("chat:", response.text);
console.log(
  `estimated ${estimateInputTokens(request)} input tokens before the call; usage ${JSON.stringify(response.usage)};`,
  cost ? `cost $${cost.usd.toFixed(6)}` : `no price known for ${response.model}`,
);
