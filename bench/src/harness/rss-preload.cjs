// Preloaded with `node --require` into a process the benchmark does not control (the summarizer
// CLI): at exit, it writes the process's peak resident set size (KB) to $SLUICE_BENCH_RSS_FILE.
const { writeFileSync } = require("node:fs");

const target = process.env.SLUICE_BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => {
    try {
      writeFileSync(target, JSON.stringify({ peakKb: process.resourceUsage().maxRSS }));
    } catch {
      // The benchmark reports the memory as unknown; the program's own exit must not change.
    }
  });
}
