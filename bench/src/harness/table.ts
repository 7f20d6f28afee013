/** Tables as Markdown: readable in a terminal, and pasted as they are into BENCHMARKS.md. */

export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  /** One string per header cell; "right" columns hold numbers. */
  readonly rows: readonly (readonly string[])[];
  /** Which columns are right-aligned (numbers); by index. */
  readonly numeric?: readonly number[];
  /** Lines printed under the table: configuration, caveats, targets. */
  readonly notes?: readonly string[];
}

/** Renders `table` as a padded Markdown table with its title and notes. */
export function renderTable(table: Table): string {
  const numeric = new Set(table.numeric ?? []);
  const widths = table.header.map((cell, column) =>
    Math.max(3, cell.length, ...table.rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join(" | ")} |`;
  const rule = `|${widths
    .map((width, column) => (numeric.has(column) ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2)))
    .join("|")}|`;
  const parts = [`### ${table.title}`, "", line(table.header), rule, ...table.rows.map(line)];
  if (table.notes && table.notes.length > 0) parts.push("", ...table.notes.map((note) => `- ${note}`));
  return parts.join("\n");
}
