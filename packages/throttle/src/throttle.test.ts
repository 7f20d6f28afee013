import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import {
  CostExceedsLimitError,
  DeadlineExceededError,
  DeadlineUnreachableError,
  InvalidArgumentError,
  InvalidCostError,
  Throttle,
  ThrottleClosedError,
} from "./index.js";
import { deferred, flush, outcome, sleep, virtualThrottle } from "./testing/virtual-time.js";

describe("admission", () => {
  it("caps concurrency and starts the next job as one settles", async () => {
    const { throttle } = virtualThrottle({ concurrency: 2 });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, index) =>
      throttle.run(async () => {
        started.push(index);
        await gate.promise;
        return index;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(throttle.stats()).toMatchObject({ running: 2, queued: 1 });
    gates[0]!.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(throttle.stats()).toMatchObject({ running: 0, queued: 0, succeeded: 3 });
  });

  it("paces requests at the per-minute rate with a one-second burst by default", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    const startedAt: number[] = [];
    const runs = Array.from({ length: 4 }, () => throttle.run(async () => startedAt.push(clock.now())));
    await clock.advance(10_000);
    await Promise.all(runs);
    expect(startedAt).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it("lets a configured burst through at once, then refills continuously", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: { perMinute: 600, burst: 3 } });
    const startedAt: number[] = [];
    const runs = Array.from({ length: 5 }, () => throttle.run(async () => startedAt.push(clock.now())));
    await clock.advance(1_000);
    await Promise.all(runs);
    expect(startedAt).toEqual([0, 0, 0, 100, 200]);
  });

  it("takes nothing from any bucket unless every bucket can pay", async () => {
    const { clock, throttle } = virtualThrottle({
      inputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
      outputTokensPerMinute: { perMinute: 6_000, burst: 100 },
    });
    await throttle.run(async () => {}, { cost: { inputTokens: 10, outputTokens: 100 } });
    const waiting = throttle.run(async () => clock.now(), { cost: { inputTokens: 500, outputTokens: 50 } });
    await flush();
    const { buckets } = throttle.stats();
    // Output is empty, so the input bucket must not have been charged for the waiting job.
    expect(buckets.inputTokens!.level).toBeCloseTo(990);
    expect(throttle.stats().queued).toBe(1);
    await clock.advance(1_000);
    expect(await waiting).toBe(500); // 50 output tokens at 0.1 per ms
  });

  it("keeps one timer however many jobs wait, and none once idle", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 600, concurrency: 5 });
    const runs = Array.from({ length: 500 }, () => throttle.run(async () => {}));
    await flush();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(60_000);
    await Promise.all(runs);
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects at once a cost no bucket could ever admit, charging nothing", async () => {
    const { throttle } = virtualThrottle({ outputTokensPerMinute: 8_000 });
    const result = await outcome(throttle.run(async () => "never", { cost: { outputTokens: 10_000 } }));
    expect(result.ok).toBe(false);
    const error = (result as { error: CostExceedsLimitError }).error;
    expect(error).toBeInstanceOf(CostExceedsLimitError);
    expect(error).toMatchObject({
      code: "cost_exceeds_limit",
      dimension: "outputTokens",
      limit: 8_000,
    });
    expect(throttle.stats()).toMatchObject({ rejected: 1, attempts: 0 });
    expect(throttle.stats().buckets.outputTokens!.level).toBeCloseTo(8_000 / 60);
  });

  it("admits a job larger than the burst once the bucket is full, and later jobs repay the debt", async () => {
    // 1 token per ms, burst 100: a 400-token job is within the per-minute limit, so it must run.
    const { clock, throttle } = virtualThrottle({ inputTokensPerMinute: { perMinute: 60_000, burst: 100 } });
    const startedAt: number[] = [];
    const big = throttle.run(async () => startedAt.push(clock.now()), { cost: { inputTokens: 400 } });
    const small = throttle.run(async () => startedAt.push(clock.now()), { cost: { inputTokens: 50 } });
    await clock.advance(1_000);
    await Promise.all([big, small]);
    // The big job leaves the bucket at -300; the small one waits for +50: 350 ms.
    expect(startedAt).toEqual([0, 350]);
  });

  it("runs a task that returns a plain value", async () => {
    const { throttle } = virtualThrottle();
    expect(await throttle.run(() => 42)).toBe(42);
  });
});

describe("head of line", () => {
  it("does not let small jobs starve a large job waiting at the head", async () => {
    const { clock, throttle } = virtualThrottle({
      inputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
    });
    const startedAt = new Map<string, number>();
    const job = (name: string, inputTokens: number) =>
      throttle.run(async () => startedAt.set(name, clock.now()), { cost: { inputTokens } });
    const first = job("first", 900); // leaves 100
    const large = job("large", 1_000); // needs the bucket full: 900 ms
    const smalls = Array.from({ length: 20 }, (_, index) => job(`small${index}`, 50));
    await clock.advance(5_000);
    await Promise.all([first, large, ...smalls]);
    expect(startedAt.get("first")).toBe(0);
    expect(startedAt.get("large")).toBe(900);
    for (let index = 0; index < 20; index++)
      expect(startedAt.get(`small${index}`)).toBeGreaterThanOrEqual(900);
  });

  it("lets a job behind a blocked head use capacity the head does not need", async () => {
    const { clock, throttle } = virtualThrottle({
      inputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
      outputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
    });
    const startedAt = new Map<string, number>();
    const job = (name: string, cost: { inputTokens?: number; outputTokens?: number }) =>
      throttle.run(async () => startedAt.set(name, clock.now()), { cost });
    const runs = [
      job("first", { inputTokens: 900 }),
      job("large", { inputTokens: 1_000, outputTokens: 100 }),
      job("outputOnly", { outputTokens: 500 }), // the head needs 100 of the 1,000 output tokens
      job("tooMuchOutput", { outputTokens: 950 }), // would leave the head short of output tokens
    ];
    await clock.advance(5_000);
    await Promise.all(runs);
    expect(startedAt.get("outputOnly")).toBe(0);
    expect(startedAt.get("large")).toBe(900);
    expect(startedAt.get("tooMuchOutput")).toBeGreaterThan(900);
  });

  it("keeps a concurrency slot for the head instead of backfilling the last one", async () => {
    const { clock, throttle } = virtualThrottle({
      concurrency: 2,
      inputTokensPerMinute: { perMinute: 60_000, burst: 1_000 },
    });
    const gate = deferred();
    const startedAt = new Map<string, number>();
    const runs = [
      throttle.run(async () => {
        startedAt.set("holder", clock.now());
        await gate.promise;
      }),
      throttle.run(async () => startedAt.set("first", clock.now()), { cost: { inputTokens: 900 } }),
      throttle.run(async () => startedAt.set("large", clock.now()), { cost: { inputTokens: 1_000 } }),
      throttle.run(async () => startedAt.set("requestOnly", clock.now())),
    ];
    await clock.advance(2_000);
    expect(startedAt.get("large")).toBe(900);
    // Only two slots: while "large" waited, "requestOnly" could not take the one it would need.
    expect(startedAt.get("requestOnly")).toBeGreaterThanOrEqual(900);
    gate.resolve();
    await Promise.all(runs);
  });
});

describe("priority", () => {
  it("admits higher priorities first", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    const order: string[] = [];
    const runs = [
      throttle.run(async () => order.push("first")),
      throttle.run(async () => order.push("low"), { priority: "low" }),
      throttle.run(async () => order.push("normal")),
      throttle.run(async () => order.push("high"), { priority: "high" }),
      throttle.run(async () => order.push("urgent"), { priority: 5 }),
    ];
    await clock.advance(10_000);
    await Promise.all(runs);
    expect(order).toEqual(["first", "urgent", "high", "normal", "low"]);
  });

  it("ages waiting jobs so a low priority is delayed but never starved", async () => {
    // One request per second, while high-priority jobs arrive at two per second: the high lane
    // never empties, and without aging the low-priority job would wait forever.
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60, agingMs: 5_000 });
    let lowStartedAt: number | undefined;
    const filler = throttle.run(async () => {}); // takes the bucket's one token at 0
    const low = throttle.run(async () => (lowStartedAt = clock.now()), { priority: "low" });
    const highs: { enqueuedAt: number; startedAt?: number; run: Promise<unknown> }[] = [];
    for (let second = 0; second < 30; second++) {
      for (let twice = 0; twice < 2; twice++) {
        const entry: { enqueuedAt: number; startedAt?: number; run: Promise<unknown> } = {
          enqueuedAt: clock.now(),
          run: Promise.resolve(),
        };
        entry.run = throttle.run(async () => (entry.startedAt = clock.now()), { priority: "high" });
        highs.push(entry);
      }
      await clock.advance(1_000);
    }
    await Promise.all([filler, low]);
    expect(lowStartedAt).toBeLessThan(30_000);
    // Two levels below "high", it goes first once it has waited 2 × agingMs longer than the high
    // job at the head of its lane: every high job submitted before 10 s started before it.
    for (const high of highs) {
      if (high.enqueuedAt < 10_000) expect(high.startedAt).toBeLessThan(lowStartedAt!);
    }
    expect(highs.some((high) => high.startedAt === undefined || high.startedAt > lowStartedAt!)).toBe(true);
    await clock.advance(60_000);
    await Promise.all(highs.map((high) => high.run));
  });
});

describe("reconciliation", () => {
  it("refunds the unused part of an output reservation and charges an underestimate", async () => {
    const { clock, throttle } = virtualThrottle({
      outputTokensPerMinute: { perMinute: 6_000, burst: 1_000 },
    });
    await throttle.run(async ({ reportUsage }) => reportUsage({ outputTokens: 200 }), {
      cost: { outputTokens: 1_000 },
    });
    expect(throttle.stats().buckets.outputTokens!.level).toBeCloseTo(800);
    await throttle.run(async ({ reportUsage }) => reportUsage({ outputTokens: 1_500 }), {
      cost: { outputTokens: 800 },
    });
    expect(throttle.stats().buckets.outputTokens!.level).toBeCloseTo(-700);
    expect(throttle.stats().charged.outputTokens).toBe(1_700);
    expect(throttle.stats().admitted.outputTokens).toBe(1_800);
    const startedAt = deferred<number>();
    void throttle.run(async () => startedAt.resolve(clock.now()), { cost: { outputTokens: 100 } });
    await clock.advance(10_000);
    expect(await startedAt.promise).toBeCloseTo(8_000); // 800 tokens at 0.1 per ms
  });

  it("treats reports as totals and derives combined tokens", async () => {
    const { throttle } = virtualThrottle({ tokensPerMinute: { perMinute: 60_000, burst: 10_000 } });
    await throttle.run(
      async ({ reportUsage }) => {
        reportUsage({ inputTokens: 900, outputTokens: 10 });
        reportUsage({ inputTokens: 900, outputTokens: 300 }); // the stream went on
      },
      { cost: { inputTokens: 1_000, outputTokens: 1_000 } },
    );
    expect(throttle.stats().charged.tokens).toBe(1_200);
    expect(throttle.stats().buckets.tokens!.level).toBeCloseTo(10_000 - 1_200);
  });

  it("accepts a report after the task settled, and refuses unknown dimensions", async () => {
    const { throttle } = virtualThrottle({ inputTokensPerMinute: { perMinute: 60_000, burst: 1_000 } });
    let report: ((usage: { inputTokens?: number; inputToken?: number }) => void) | undefined;
    await throttle.run(
      async ({ reportUsage }) => {
        report = reportUsage;
      },
      { cost: { inputTokens: 600 } },
    );
    report!({ inputTokens: 100 });
    expect(throttle.stats().buckets.inputTokens!.level).toBeCloseTo(900);
    expect(() => report!({ inputToken: 5 })).toThrow(InvalidCostError);
    expect(() => report!({ inputTokens: -1 })).toThrow(/0 or more/);
  });
});

describe("cancellation", () => {
  it("removes a job aborted while queued: never started, nothing charged, rejects with the reason", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    await throttle.run(async () => {});
    const controller = new AbortController();
    let started = false;
    const run = throttle.run(
      async () => {
        started = true;
      },
      { signal: controller.signal },
    );
    await flush();
    const reason = new Error("user cancelled");
    controller.abort(reason);
    expect(await outcome(run)).toEqual({ ok: false, error: reason });
    await clock.advance(5_000);
    expect(started).toBe(false);
    expect(throttle.stats()).toMatchObject({ queued: 0, aborted: 1, attempts: 1 });
    expect(throttle.stats().admitted.requests).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("never starts a job whose signal was aborted before run", async () => {
    const { throttle } = virtualThrottle();
    let started = false;
    const result = await outcome(
      throttle.run(
        async () => {
          started = true;
        },
        { signal: AbortSignal.abort("gone") },
      ),
    );
    expect(result).toEqual({ ok: false, error: "gone" });
    expect(started).toBe(false);
  });

  it("signals a running task and holds its slot until the task settles", async () => {
    const { throttle } = virtualThrottle({ concurrency: 1 });
    const controller = new AbortController();
    const release = deferred();
    let sawAbort = false;
    const running = throttle.run(
      async ({ signal }) => {
        signal.addEventListener("abort", () => {
          sawAbort = true;
        });
        await release.promise; // a task that is slow to honour the signal
        return "late";
      },
      { signal: controller.signal },
    );
    let nextStarted = false;
    const next = throttle.run(async () => {
      nextStarted = true;
    });
    await flush();
    controller.abort(new Error("stop"));
    await flush();
    expect(sawAbort).toBe(true);
    expect(nextStarted).toBe(false);
    expect(throttle.stats().running).toBe(1);
    release.resolve();
    expect(await outcome(running)).toMatchObject({ ok: false, error: new Error("stop") });
    await next;
    expect(nextStarted).toBe(true);
  });
});

describe("shared signals", () => {
  it("listens once to a signal many jobs share, and lets go of it when they are done", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 2 });
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const gates = [deferred(), deferred()];
    const runs = Array.from({ length: 50 }, (_, index) =>
      outcome(throttle.run(() => gates[index]?.promise ?? Promise.resolve(), { signal: controller.signal })),
    );
    await flush();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort(new Error("batch cancelled"));
    for (const gate of gates) gate.resolve();
    const results = await Promise.all(runs);
    expect(results.every((result) => !result.ok)).toBe(true);
    expect(throttle.stats()).toMatchObject({ aborted: 50, attempts: 2, running: 0, queued: 0 });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await flush();
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    await clock.runAll();
  });

  it("never starts a later job of a shared signal while the abort walks the queue", async () => {
    const { clock, throttle } = virtualThrottle({ inputTokensPerMinute: 60_000 });
    await throttle.run(async () => {}, { cost: { inputTokens: 1_000 } }); // empties the bucket
    const controller = new AbortController();
    const started: string[] = [];
    const job = (name: string, inputTokens: number) =>
      outcome(
        throttle.run(
          async ({ signal }) => {
            started.push(`${name}${signal.aborted ? " (aborted)" : ""}`);
          },
          { cost: { inputTokens }, signal: controller.signal },
        ),
      );
    const runs = [job("large", 1_000), job("small", 1)];
    await clock.advance(50);
    expect(started).toEqual([]);
    const reason = new Error("batch cancelled");
    controller.abort(reason);
    expect(await Promise.all(runs)).toEqual([
      { ok: false, error: reason },
      { ok: false, error: reason },
    ]);
    await clock.advance(5_000);
    expect(started).toEqual([]);
    expect(throttle.stats()).toMatchObject({ attempts: 1, aborted: 2, queued: 0, running: 0 });
    expect(throttle.stats().admitted.inputTokens).toBe(1_000);
  });

  it("holds 10,000 queued jobs on one signal with one listener and no warning", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 1 });
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const gate = deferred();
    const runs = Array.from({ length: 10_000 }, () =>
      outcome(
        throttle.run(
          async ({ signal }) => {
            expect(signal.aborted).toBe(false);
            await gate.promise;
          },
          { signal: controller.signal },
        ),
      ),
    );
    await flush();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort(new Error("stop"));
    gate.resolve();
    const results = await Promise.all(runs);
    expect(results.filter((result) => result.ok)).toHaveLength(0);
    expect(throttle.stats()).toMatchObject({ attempts: 1, aborted: 10_000 });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await flush();
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    await clock.runAll();
  });
});

describe("deadlines", () => {
  it("rejects at once a deadline the buckets cannot meet", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    const queued = Array.from({ length: 5 }, () => throttle.run(async () => {}));
    const result = await outcome(throttle.run(async () => {}, { deadline: 2_000 }));
    expect(result.ok).toBe(false);
    const error = (result as { error: DeadlineUnreachableError }).error;
    expect(error).toBeInstanceOf(DeadlineUnreachableError);
    expect(error.code).toBe("deadline_unreachable");
    expect(error.earliestStart).toBeCloseTo(5_000);
    await clock.advance(5_000);
    await Promise.all(queued);
  });

  it("accepts a deadline that can be met", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    const runs = Array.from({ length: 3 }, () => throttle.run(async () => clock.now()));
    const timed = throttle.run(async () => clock.now(), { deadline: 3_500 });
    await clock.advance(5_000);
    expect(await timed).toBe(3_000);
    await Promise.all(runs);
  });

  it("fails a job still waiting when its deadline passes, without starting it", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 1 });
    const gate = deferred();
    const holder = throttle.run(() => gate.promise);
    let started = false;
    const timed = outcome(
      throttle.run(
        async () => {
          started = true;
        },
        { deadline: 1_000 },
      ),
    );
    await clock.advance(999);
    expect(throttle.stats().queued).toBe(1);
    await clock.advance(1);
    const result = await timed;
    expect((result as { error: unknown }).error).toBeInstanceOf(DeadlineExceededError);
    expect(started).toBe(false);
    gate.resolve();
    await holder;
  });

  it("rejects a deadline that lies before the end of a 429 pause", async () => {
    const { clock, throttle } = virtualThrottle({ concurrency: 1 });
    const gate = deferred();
    const holder = throttle.run(() => gate.promise);
    const timed = throttle.run(async () => {}, { deadline: 5_000 });
    await flush();
    throttle.observe({ status: 429, headers: { "retry-after": "30" } });
    const result = await outcome(timed);
    expect((result as { error: unknown }).error).toBeInstanceOf(DeadlineUnreachableError);
    gate.resolve();
    await holder;
    await clock.runAll();
  });
});

describe("bad input", () => {
  it.each([
    [{ concurrency: 0 }, /concurrency must be a whole number/],
    [{ concurrency: -3 }, /concurrency/],
    [{ concurrency: 2.5 }, /concurrency/],
    [{ concurrency: Number.POSITIVE_INFINITY }, /Leave concurrency out/],
    [{ requestsPerMinute: 0 }, /requestsPerMinute must be a finite number above 0/],
    [{ requestsPerMinute: -1 }, /requestsPerMinute/],
    [{ inputTokensPerMinute: Number.NaN }, /inputTokensPerMinute/],
    [{ outputTokensPerMinute: Number.POSITIVE_INFINITY }, /outputTokensPerMinute/],
    [{ tokensPerMinute: { perMinute: 1_000, burst: 0 } }, /tokensPerMinute.burst/],
    [{ requestPerMinute: 50 }, /Unknown Throttle option "requestPerMinute"/],
    [{ limits: { requests: 5 } }, /use the requestsPerMinute option/],
    [{ burstSeconds: 0 }, /burstSeconds/],
    [{ retry: { maxAttempts: 0 } }, /maxAttempts/],
  ])("refuses %j", (options, message) => {
    let thrown: unknown;
    try {
      new Throttle(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).code).toBe("invalid_argument");
    expect((thrown as Error).message).toMatch(message);
  });

  it.each([
    [{ cost: { inputToken: 5 } }, InvalidCostError, /Unknown cost dimension "inputToken"/],
    [{ cost: { outputTokens: -1 } }, InvalidCostError, /cost.outputTokens must be a finite number/],
    [{ cost: { requests: Number.NaN } }, InvalidCostError, /cost.requests/],
    [{ cost: 5 }, InvalidCostError, /cost must be an object/],
    [{ priority: "urgent" }, InvalidArgumentError, /priority must be/],
    [{ priority: Number.NaN }, InvalidArgumentError, /priority must be/],
    [{ deadline: "soon" }, InvalidArgumentError, /deadline must be a time/],
    [{ signal: {} }, InvalidArgumentError, /signal must be an AbortSignal/],
    [{ retry: { multiplier: 0.5 } }, InvalidArgumentError, /multiplier/],
  ])("rejects run options %j without running or charging", async (options, type, message) => {
    const { throttle } = virtualThrottle({ requestsPerMinute: 60 });
    let started = false;
    const result = await outcome(
      throttle.run(async () => {
        started = true;
      }, options as never),
    );
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(type);
    expect(((result as { error: Error }).error as Error).message).toMatch(message);
    expect(started).toBe(false);
    expect(throttle.stats()).toMatchObject({ running: 0, queued: 0, attempts: 0, rejected: 1 });
  });

  it("rejects a task that is not a function", async () => {
    const { throttle } = virtualThrottle();
    const result = await outcome(throttle.run("not a task" as never));
    expect((result as { error: unknown }).error).toBeInstanceOf(InvalidArgumentError);
  });

  it("passes on a synchronous throw as a rejection and releases the slot", async () => {
    const { throttle } = virtualThrottle({ concurrency: 1 });
    const boom = new Error("boom");
    const failing = throttle.run(() => {
      throw boom;
    });
    const next = throttle.run(async () => "next");
    expect(await outcome(failing)).toEqual({ ok: false, error: boom });
    expect(await next).toBe("next");
    expect(throttle.stats()).toMatchObject({ running: 0, failed: 1, succeeded: 1 });
  });

  it("refuses observe input that is not feedback", () => {
    const { throttle } = virtualThrottle();
    expect(() => throttle.observe(null as never)).toThrow(InvalidArgumentError);
    expect(() => throttle.observe({ status: "429" } as never)).toThrow(/status/);
    expect(() => throttle.observe({ headers: "retry-after: 1" } as never)).toThrow(/headers/);
  });
});

describe("close", () => {
  it("rejects run after close and queued jobs at close, and waits for running ones", async () => {
    const { throttle } = virtualThrottle({ concurrency: 1 });
    const gate = deferred<string>();
    const running = throttle.run(() => gate.promise);
    const queued = throttle.run(async () => "queued");
    await flush();
    let closed = false;
    const closing = throttle.close().then(() => {
      closed = true;
    });
    const queuedResult = await outcome(queued);
    expect((queuedResult as { error: unknown }).error).toBeInstanceOf(ThrottleClosedError);
    const late = await outcome(throttle.run(async () => "late"));
    expect((late as { error: ThrottleClosedError }).error.code).toBe("throttle_closed");
    await flush();
    expect(closed).toBe(false);
    gate.resolve("done");
    expect(await running).toBe("done");
    await closing;
    expect(closed).toBe(true);
  });

  it("lets queued jobs finish with drain: true", async () => {
    const { clock, throttle } = virtualThrottle({ requestsPerMinute: 60 });
    const runs = Array.from({ length: 3 }, (_, index) => throttle.run(async () => index));
    const closing = throttle.close({ drain: true });
    await clock.advance(5_000);
    await closing;
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("stats and events", () => {
  it("reports admissions, settlements and idleness", async () => {
    const { clock, throttle } = virtualThrottle({
      concurrency: 2,
      requestsPerMinute: { perMinute: 120, burst: 1 },
    });
    const events: string[] = [];
    throttle.on("admit", ({ attempt, waitedMs }) => events.push(`admit ${attempt} ${waitedMs}`));
    throttle.on("settle", ({ ok, durationMs }) => events.push(`settle ${ok} ${durationMs}`));
    throttle.on("idle", () => events.push("idle"));
    const runs = Promise.allSettled([
      throttle.run(() => sleep(clock, 100)),
      throttle.run(async () => {
        await sleep(clock, 50);
        throw new Error("failed");
      }),
    ]);
    await clock.advance(1_000);
    await runs;
    expect(events).toEqual(["admit 1 0", "settle true 100", "admit 1 500", "settle false 50", "idle"]);
    expect(throttle.stats()).toMatchObject({
      queued: 0,
      running: 0,
      submitted: 2,
      attempts: 2,
      succeeded: 1,
      failed: 1,
      concurrency: 2,
      configuredConcurrency: 2,
      pausedUntil: undefined,
      halted: false,
      closed: false,
    });
    expect(throttle.stats().buckets.requests).toMatchObject({ perMinute: 120, burst: 1, learned: false });
  });

  it("keeps admitting when a listener throws", async () => {
    const { throttle } = virtualThrottle();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    const listener = () => {
      throw new Error("bad listener");
    };
    throttle.on("admit", listener);
    expect(await throttle.run(async () => "fine")).toBe("fine");
    throttle.off("admit", listener);
    await flush();
    process.off("warning", onWarning);
    expect(warnings.some((message) => message.includes("bad listener"))).toBe(true);
  });
});
