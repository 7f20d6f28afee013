// Summarize a few texts with Claude: one call through callLlm, then the same texts as one
// Message Batch (half price), under a throttle that learns the account's limits from the headers.
//
//   ANTHROPIC_API_KEY=sk-ant-… node examples/summarize.mjs
// or, offline, against the emulator (`pnpm emulator` at the repository root):
//   ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_API_KEY=test node examples/summarize.mjs
import { callLlm, withLimiter } from "@sluice/llm";
import { createAnthropicModel, createMessageBatches } from "@sluice/llm-anthropic";
import { Throttle } from "@sluice/throttle";

const texts = [
  "The harbour froze in January for the first time in forty years. Ferries stopped. Children skated between the moored boats.",
  "A beekeeper moved her hives to the city roofs. The bees found linden trees in every park. The honey tasted of mint.",
  "The museum lent its oldest clock to the station. Travellers set their watches by it. It gains a minute each week.",
];

// 1. One call. Importing @sluice/llm-anthropic registered "anthropic", so with ANTHROPIC_API_KEY set
//    callLlm uses Claude without further setup.
console.log(await callLlm(`Summarize in one sentence: ${texts[0]}`, { maxTokens: 200 }));

// 2. Many calls under a limiter: it learns the limits from anthropic-ratelimit-* headers and owns retries.
const throttle = new Throttle({ concurrency: 4, retry: { maxAttempts: 4 } });
const model = withLimiter(createAnthropicModel({ model: "claude-haiku-5-5" }), throttle);
const summaries = await Promise.all(
  texts.map((text) => callLlm(`Summarize: ${text}`, { model, maxTokens: 200 })),
);
console.log(summaries);
await throttle.close();

// 3. The same texts as one Message Batch. Persist `state` in real code, and pass it back as
//    `resume` after a restart so nothing is submitted (or paid for) twice.
let state;
const batches = createMessageBatches({ model: "claude-haiku-5-5", poll: { initialMs: 1_000 } });
const outcomes = await batches.run(
  texts.map((text, index) => ({
    key: `text-${index}`,
    messages: [{ role: "user", content: `Summarize: ${text}` }],
    maxTokens: 200,
  })),
  { onSubmitted: (saved) => (state = saved) },
);
for (const outcome of outcomes) {
  console.log(
    outcome.key,
    outcome.status === "fulfilled" ? outcome.value.text : `${outcome.reason.code}: ${outcome.reason.message}`,
  );
}
console.log(
  "batches:",
  state.batches.map((batch) => batch.id),
);
