import type { createLogUpdate } from "log-update";

type CreateLogUpdate = typeof createLogUpdate;

// log-update takes about 45 ms to load: a run whose stderr is not a terminal never needs it, and
// one that is loads it while the inputs are planned instead of before the first call.
let logUpdateLoading: Promise<CreateLogUpdate> | undefined;
function loadLogUpdate(): Promise<CreateLogUpdate> {
  logUpdateLoading ??= import("log-update").then((module) => module.createLogUpdate);
  return logUpdateLoading;
}

/**
 * The last line of a terminal, redrawn in place (log-update does the erasing), with messages
 * printed above it. Everything a run writes to its terminal's stderr while the line is shown must go
 * through `note`: a bare write would land under the line and be erased or torn by the next redraw.
 * The command line creates one per process (its signal handlers print through it) and the progress
 * display draws on it. Until log-update has loaded (a few tens of ms after the line is created on a
 * terminal) the line is not drawn yet and messages are plain lines.
 */
export class StatusLine {
  private render: ReturnType<CreateLogUpdate> | undefined;
  private createRender: CreateLogUpdate | undefined;
  private loading = false;
  private text = "";

  constructor(
    readonly stream: NodeJS.WritableStream & { readonly columns?: number; readonly isTTY?: boolean },
  ) {
    if (stream.isTTY === true) this.load();
  }

  /** The terminal's width now (it can change while the run goes on). */
  get columns(): number {
    return this.stream.columns ?? 80;
  }

  get shown(): boolean {
    return this.render !== undefined;
  }

  /** Draws `text` as the live line, replacing what it showed. */
  show(text: string): void {
    this.text = text;
    if (this.createRender === undefined) {
      this.load();
      return;
    }
    this.render ??= this.createRender(this.stream);
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
    if (this.render === undefined) {
      this.text = "";
      return;
    }
    this.render.clear();
    this.render.done();
    this.render = undefined;
    this.text = "";
  }

  private load(): void {
    if (this.loading) return;
    this.loading = true;
    loadLogUpdate().then(
      (create) => {
        this.createRender = create;
        // A line asked for while the module loaded is drawn now, unless it was cleared since.
        if (this.text !== "" && this.render === undefined) this.show(this.text);
      },
      () => {
        // Without log-update the line is not drawn; messages stay plain lines.
      },
    );
  }
}
