// Node classes the tests' producers and worker processes both load, as a real deployment would.
// Plain JavaScript so a worker child process runs it with node alone (the package's dist is built
// before its tests run).
import { appendFileSync } from "node:fs";
import { Node, ParallelBatchFlow, ParallelBatchNode, SluiceError } from "@sluice/core";

/** Records an exec's start and end in EFFECT_LOG, so tests count effects across processes. */
function record(event, key) {
  const log = process.env.EFFECT_LOG;
  if (log) appendFileSync(log, `${event} ${key} ${process.pid}\n`);
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export class BoomError extends SluiceError {
  constructor(n) {
    super("boom", `item ${n} went boom`);
  }
}

/** exec: n squared, after `ms` of abortable waiting; `fail` throws, `failTimes` fails that often first. */
export class Square extends ParallelBatchNode {
  async prep(shared) {
    return shared.items;
  }
  async exec(item) {
    const key = `${this._params.tag ?? "sq"}:${item.n}`;
    record("start", key);
    await sleep(item.ms ?? 0, this.signal);
    if (item.fail) throw new BoomError(item.n);
    if (this.currentRetry < (item.failTimes ?? 0))
      throw new Error(`attempt ${this.currentRetry} of ${item.n} fails`);
    record("end", key);
    return { n: item.n, square: item.n * item.n, attempt: this.currentRetry, pid: process.pid };
  }
  async post(shared, _items, results) {
    shared.results = results;
    return "done";
  }
}

/** ~`ms` of CPU-bound work per item: what two worker processes should finish in about half the time. */
export class Busy extends ParallelBatchNode {
  async prep(shared) {
    return shared.items;
  }
  async exec(item) {
    const until = performance.now() + item.ms;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    record("end", `busy:${item.n}`);
    return item.n;
  }
  async post(shared, _items, results) {
    shared.results = results;
  }
}

/** A node of the remote sub-flow: reads its params and the shared store it was given. */
class Greet extends Node {
  async exec() {
    return `hello ${this._params.who}`;
  }
  async post(shared, _prep, greeting) {
    shared.greeting = greeting;
    shared.seen = shared.seed ?? null;
    return this._params.who === "bob" ? "special" : undefined;
  }
}

export class GreetAll extends ParallelBatchFlow {
  constructor(options) {
    super(new Greet(), options);
  }
  async prep(shared) {
    return shared.people.map((who) => ({ who }));
  }
  async post(shared, _prep, actions) {
    shared.actions = actions;
  }
}

export const nodes = { Square, Busy, GreetAll };
