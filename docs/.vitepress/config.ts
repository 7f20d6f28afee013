import { defineConfig } from "vitepress";

const guide = [
  {
    text: "Start",
    items: [
      { text: "Getting started", link: "/guide/getting-started" },
      { text: "Migrating from pocketflow", link: "/guide/migration" },
    ],
  },
  {
    text: "Workflows",
    items: [
      { text: "Nodes", link: "/guide/nodes" },
      { text: "Flows and nesting", link: "/guide/flows" },
      { text: "Shared store and params", link: "/guide/shared-store" },
      { text: "Batch", link: "/guide/batch" },
      { text: "Parallel", link: "/guide/parallel" },
    ],
  },
  {
    text: "Calling models",
    items: [
      { text: "LLM adapters", link: "/guide/llm-adapters" },
      { text: "Writing an adapter", link: "/guide/writing-an-adapter" },
      { text: "Message Batches", link: "/guide/message-batches" },
      { text: "The emulator", link: "/guide/emulator" },
    ],
  },
  {
    text: "At scale",
    items: [
      { text: "Throttling and picking limits", link: "/guide/throttling" },
      { text: "Provider signals", link: "/guide/provider-signals" },
      { text: "Budgets", link: "/guide/budgets" },
      { text: "Resume after a crash", link: "/guide/resume" },
      { text: "Running across machines", link: "/guide/across-machines" },
      { text: "Tracing", link: "/guide/tracing" },
    ],
  },
  {
    text: "Reference",
    items: [
      { text: "Error codes", link: "/guide/errors" },
      { text: "Releases and packages", link: "/guide/releases" },
      { text: "API reference", link: "/api/" },
    ],
  },
];

export default defineConfig({
  title: "Sluice",
  description: "LLM workflows in the PocketFlow style, with parallelism that respects rate limits.",
  lang: "en-US",
  // Inside the package folder, so turbo caches it like every other build output (and .gitignore skips it).
  outDir: "dist",
  srcExclude: ["dist/**", "src/**", ".samples/**", "README.md"],
  cleanUrls: false,
  // The API reference documents local servers' default URLs (Ollama on localhost:11434, …).
  ignoreDeadLinks: "localhostLinks",
  lastUpdated: false,
  themeConfig: {
    nav: [
      { text: "Guide", link: "/guide/getting-started" },
      { text: "API", link: "/api/" },
      { text: "GitHub", link: "https://github.com/sluice-dev/sluice" },
    ],
    sidebar: { "/guide/": guide, "/api/": guide },
    // Built into the site at build time: no service to call, so it works offline and in the browser test.
    search: { provider: "local" },
    outline: { level: [2, 3] },
  },
});
