import type { ChatModel } from "../model.js";
import { conformanceChecks } from "./checks.js";
import { CONFORMANCE_API_KEY, DEFAULT_CONFORMANCE_MODEL_ID } from "./fixtures.js";
import type {
  ConformanceCheck,
  ConformanceCheckId,
  ConformanceEmulator,
  ConformanceOptions,
  ConformanceTestApi,
} from "./types.js";

export interface ConformanceResult {
  readonly id: ConformanceCheckId;
  readonly title: string;
  readonly status: "passed" | "failed" | "skipped";
  /** Why it failed or was skipped. */
  readonly reason?: string;
  readonly error?: unknown;
}

export interface ConformanceReport {
  readonly name: string;
  readonly results: readonly ConformanceResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

const GENEROUS_LIMITS = {
  requestsPerMinute: 100_000,
  inputTokensPerMinute: 100_000_000,
  outputTokensPerMinute: 100_000_000,
} as const;

const NO_EMULATOR = "needs the emulator: pass startEmulator from @sluice/llm-emulator";

/** Why a check will not run for these options, or undefined when it will. */
function skipReason(check: ConformanceCheck, options: ConformanceOptions): string | undefined {
  const declared = options.skip?.[check.id];
  if (declared !== undefined) return declared;
  if (check.needsEmulator && !options.startEmulator) return NO_EMULATOR;
  return undefined;
}

/** One session: the emulator (if any) and the model under test, created once and shared by the checks. */
class Session {
  private emulator: ConformanceEmulator | undefined;
  private model: ChatModel | undefined;

  constructor(private readonly options: ConformanceOptions) {}

  async open(): Promise<void> {
    if (this.options.startEmulator) {
      this.emulator = await this.options.startEmulator();
      // Limits far above what the checks use, so that responses carry rate-limit headers as real
      // provider responses do, without any check ever being throttled.
      this.emulator.configure({ limits: GENEROUS_LIMITS });
    }
    this.model = await this.options.createModel(this.emulator?.url ?? "", {
      apiKey: CONFORMANCE_API_KEY,
      modelId: this.options.modelId ?? DEFAULT_CONFORMANCE_MODEL_ID,
    });
  }

  async close(): Promise<void> {
    const emulator = this.emulator;
    this.emulator = undefined;
    await emulator?.close();
  }

  async run(check: ConformanceCheck): Promise<void> {
    if (!this.model)
      throw new Error("The conformance session is not open (its setup failed; see the first error).");
    this.emulator?.reset();
    const createModelAt = async (url: string) =>
      this.options.createModel(url, {
        apiKey: CONFORMANCE_API_KEY,
        modelId: this.options.modelId ?? DEFAULT_CONFORMANCE_MODEL_ID,
      });
    await withTimeout(
      check.run({ model: this.model, emulator: this.emulator, apiKey: CONFORMANCE_API_KEY, createModelAt }),
      this.options.checkTimeoutMs ?? 30_000,
      check.id,
    );
  }
}

/**
 * Registers the conformance checks as tests of your runner. From an adapter package's vitest file:
 *
 * @example
 * import { afterAll, beforeAll, describe, it } from "vitest";
 * import { startEmulator } from "@sluice/llm-emulator";
 * import { describeConformance } from "@sluice/llm/testing";
 * import { createMyModel } from "./index.js";
 *
 * describeConformance({
 *   name: "my-provider",
 *   test: { describe, it, beforeAll, afterAll },
 *   startEmulator,
 *   createModel: (url, { apiKey, modelId }) => createMyModel({ baseURL: url, apiKey, model: modelId }),
 * });
 */
export function describeConformance(
  options: ConformanceOptions & { readonly test: ConformanceTestApi },
): void {
  const { test } = options;
  const session = new Session(options);
  const timeout = (options.checkTimeoutMs ?? 30_000) + 5_000;
  test.describe(`@sluice/llm conformance: ${options.name}`, () => {
    test.beforeAll(() => session.open(), 30_000);
    test.afterAll(() => session.close(), 30_000);
    for (const check of conformanceChecks) {
      const reason = skipReason(check, options);
      const skip = (test.it as { skip?: (name: string, body: () => Promise<void>) => unknown }).skip;
      if (reason !== undefined && typeof skip === "function") {
        skip(`${check.id}: ${check.title} (skipped: ${reason})`, async () => {});
      } else if (reason === undefined) {
        test.it(`${check.id}: ${check.title}`, () => session.run(check), timeout);
      }
    }
  });
}

/**
 * Runs every check outside a test runner and reports each outcome; it never throws for a failed
 * check. Useful in scripts, and to test the kit itself.
 *
 * @example
 * const report = await runConformance({ name: "offline", createModel: () => createOfflineModel() });
 * console.table(report.results.map(({ id, status, reason }) => ({ id, status, reason })));
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const session = new Session(options);
  const results: ConformanceResult[] = [];
  try {
    await session.open();
    for (const check of conformanceChecks) {
      const reason = skipReason(check, options);
      if (reason !== undefined) {
        results.push({ id: check.id, title: check.title, status: "skipped", reason });
        continue;
      }
      try {
        await session.run(check);
        results.push({ id: check.id, title: check.title, status: "passed" });
      } catch (error) {
        results.push({
          id: check.id,
          title: check.title,
          status: "failed",
          reason: error instanceof Error ? error.message : String(error),
          error,
        });
      }
    }
  } finally {
    await session.close();
  }
  const count = (status: ConformanceResult["status"]) =>
    results.filter((result) => result.status === status).length;
  return {
    name: options.name,
    results,
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Conformance check "${id}" did not finish within ${ms} ms: the adapter hangs.`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
