/** Stops launching work after an error that every other call would hit too (bad key, spend cap, unknown model). */
export class RunControl {
  private reason: unknown;

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  get stopReason(): unknown {
    return this.reason;
  }

  stop(reason: unknown): void {
    this.reason ??= reason;
  }
}
