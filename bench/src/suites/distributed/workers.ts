import { seconds, times } from "../../harness/format.js";
import type { Table } from "../../harness/table.js";
import { type DistributedWorkersRow, distributedWorkers } from "../distributed-workers.js";
import type { DistributedSection } from "./sections.js";

/** The BullMQ workers' part of `pnpm bench distributed`: kill -9 exactly-once, and 2 workers vs 1. */
export const workersSection: DistributedSection = {
  id: "workers",
  async run({ smoke, log }) {
    // Smoke mode proves the wiring on tiny sizes; the full sizes are the ones BENCHMARKS.md reports.
    const sizes = smoke ? { killItems: 16, killItemMs: 300, cpuItems: 10, cpuItemMs: 5 } : {};
    log("distributed: BullMQ workers (kill -9 of one of 4, CPU items on 1 and 2 workers)");
    const { rows } = await distributedWorkers(sizes);
    return { tables: [workersTable(rows)], settings: sizes, results: rows };
  },
};

function workersTable(rows: readonly DistributedWorkersRow[]): Table {
  return {
    title: "Distributed workers (@sluice/bullmq, real worker processes, a private redis-server)",
    header: ["measure", "value", "detail"],
    numeric: [1],
    rows: rows.map((row) => [row.measure, formatValue(row), row.detail]),
    notes: [
      "An item counts as finished once its result is stored; a worker killed between exec's return and the store has that item run again, by design (exec's side effects must be idempotent).",
    ],
  };
}

function formatValue(row: DistributedWorkersRow): string {
  if (row.measure.endsWith(", time")) return seconds(row.value);
  if (row.measure.includes("/")) return times(row.value);
  return String(row.value);
}
