import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BENCHMARKS, findBenchmark } from "./benchmarks.js";
import { machineLine } from "./harness/machine.js";
import { killChildrenOnSignals } from "./harness/processes.js";
import { writeReport } from "./harness/report.js";
import { renderTable } from "./harness/table.js";

const USAGE = `Usage: pnpm bench [name…] [--smoke] [--rounds N] [--out DIR] [--list]

Runs the named benchmarks (all of them without a name), prints each table, and writes
<DIR>/<name>.json (default DIR: bench/results; smoke runs write <name>.tmp.json).

  --smoke      tiny sizes, one round: seconds instead of minutes (what the tests run)
  --rounds N   rounds of alternation between contenders (default: per benchmark)
  --out DIR    where the JSON reports go
  --list       list the benchmarks and exit`;

const DEFAULT_OUT = fileURLToPath(new URL("../results/", import.meta.url));

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      smoke: { type: "boolean", default: false },
      rounds: { type: "string" },
      out: { type: "string" },
      list: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const benchmark of BENCHMARKS) console.log(`${benchmark.name.padEnd(10)} ${benchmark.description}`);
    return 0;
  }
  const selected = positionals.length === 0 ? BENCHMARKS : positionals.map((name) => findBenchmark(name));
  const unknown = positionals.filter((_, index) => selected[index] === undefined);
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark ${unknown.map((name) => `"${name}"`).join(", ")}. Known: ${BENCHMARKS.map((benchmark) => benchmark.name).join(", ")}.`,
    );
    return 2;
  }
  let rounds: number | undefined;
  if (values.rounds !== undefined) {
    rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
      console.error(`--rounds takes a whole number from 1 to 50 (got "${values.rounds}").`);
      return 2;
    }
  }
  killChildrenOnSignals();
  const out = values.out ?? DEFAULT_OUT;
  const started = performance.now();
  let failed = 0;
  for (const benchmark of selected) {
    if (benchmark === undefined) continue;
    console.error(`\n▶ ${benchmark.name}: ${benchmark.title}`);
    try {
      const report = await benchmark.run({
        smoke: values.smoke,
        ...(rounds === undefined ? {} : { rounds }),
        log: (line) => console.error(`  ${line}`),
      });
      console.log(`\n## ${report.title}\n`);
      console.log(`Machine: ${machineLine(report.machine)}`);
      console.log(`Command: \`${report.command}\` (${(report.durationMs / 1000).toFixed(0)} s)\n`);
      for (const table of report.tables) console.log(`${renderTable(table)}\n`);
      console.error(`  wrote ${await writeReport(report, out)}`);
    } catch (error) {
      failed++;
      console.error(
        `  ${benchmark.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
      );
    }
  }
  console.error(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
