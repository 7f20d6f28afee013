import { createLogUpdate } from "log-update";

/**
 * The last line of a terminal, redrawn in place (log-update does the erasing), with messages
 * printed above it. Everything a run writes to its terminal's stderr while the line is shown must go
 * through `note`: a bare write would land under the line and be erased or torn by the next redraw.
 * The command line creates one per process (its signal handlers print through it) and the progress
 * display draws on it.
 */
export class StatusLine {
  private render: ReturnType<typeof createLogUpdate> | undefined;
  private text = "";

  constructor(readonly stream: NodeJS.WritableStream & { readonly columns?: number }) {}

  /** The terminal's width now (it can change while the run goes on). */
  get columns(): number {
    return this.stream.columns ?? 80;
  }

  get shown(): boolean {
    return this.render !== undefined;
  }

  /** Draws `text` as the live line, replacing what it showed. */
  show(text: string): void {
    this.render ??= createLogUpdate(this.stream);
    this.text = text;
    this.render(text);
  }

  /** Prints a message that stays, on a line of its own above the live line. */
  note(message: string): void {
    if (this.render === undefined) {
      // On a terminal the cursor may sit after an echoed ^C: start a fresh line.
      this.stream.write(`\n${message}\n`);
      return;
    }
    this.render.clear();
    this.stream.write(`${message}\n`);
    this.render(this.text);
  }

  /** Erases the live line and gives the cursor back; what is written next starts where the line was. */
  clear(): void {
    if (this.render === undefined) return;
    this.render.clear();
    this.render.done();
    this.render = undefined;
    this.text = "";
  }
}
