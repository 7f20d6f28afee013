import type { BucketShape } from "@sluice/throttle";
import type { QuotaClient } from "./connection.js";

interface Shaped {
  readonly perMinute: number;
  readonly burst: number;
}

/**
 * Changes from the provider's headers (definitions, learned limits, the reported remaining), gathered over one turn of the event loop and sent as one UPDATE script. Many
 * responses in one turn become one call; what Redis did not take (it was away) is sent again when
 * it returns.
 */
export class UpdateQueue {
  private defines = new Map<number, { shape: BucketShape; level: number | undefined }>();
  private lowers = new Map<number, { shape: Shaped; level: number }>();
  private scheduled = false;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly client: QuotaClient,
    private readonly prefix: string,
    private readonly ready: () => boolean,
  ) {}

  define(slot: number, shape: BucketShape, level: number | undefined): void {
    this.mergeDefine(slot, shape, level);
    this.schedule();
  }

  lower(slot: number, shape: Shaped, level: number): void {
    this.mergeLower(slot, shape, level);
    this.schedule();
  }

  /** Sends what is pending now; resolves once Redis took it (or could not). */
  async flush(): Promise<void> {
    while (this.sending !== undefined) await this.sending;
    const args = this.drain();
    if (args.length === 0 || !this.ready()) {
      this.restore(args);
      return;
    }
    this.sending = this.client.sluiceUpdate(this.prefix, ...args).then(
      () => undefined,
      () => this.restore(args),
    );
    try {
      await this.sending;
    } finally {
      this.sending = undefined;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private drain(): string[] {
    const args: string[] = [];
    const group = (op: string, slot: number, shape: Shaped, value: string) =>
      args.push(op, String(slot), String(shape.perMinute), String(shape.burst), value);
    for (const [slot, { shape, level }] of this.defines)
      group("define", slot, shape, level === undefined ? "" : String(level));
    for (const [slot, { shape, level }] of this.lowers) group("lower", slot, shape, String(level));
    this.defines = new Map();
    this.lowers = new Map();
    return args;
  }

  /** Puts back what Redis did not take, under anything queued since (sent again on reconnect). */
  private restore(args: readonly string[]): void {
    for (let index = 0; index + 4 < args.length; index += 5) {
      const op = args[index];
      const slot = Number(args[index + 1]);
      const shape = { perMinute: Number(args[index + 2]), burst: Number(args[index + 3]) };
      const value = args[index + 4]!;
      if (op === "define") {
        if (!this.defines.has(slot)) this.mergeDefine(slot, shape, value === "" ? undefined : Number(value));
      } else this.mergeLower(slot, shape, Number(value));
    }
  }

  private mergeDefine(slot: number, shape: BucketShape, level: number | undefined): void {
    this.defines.set(slot, { shape, level: this.defines.get(slot)?.level ?? level });
  }

  private mergeLower(slot: number, shape: Shaped, level: number): void {
    this.lowers.set(slot, { shape, level: Math.min(this.lowers.get(slot)?.level ?? level, level) });
  }
}
