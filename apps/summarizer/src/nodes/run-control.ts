import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from "@sluice/llm";
import { isUnreachable, unreachableCause } from "../attempt-outcome.js";
import { codeOf, SummarizerError } from "../errors.js";

/** Errors every other call of the run would meet too: the run stops launching work. */
const FATAL_CODES = new Set([
  "authentication",
  "permission",
  "quota_exceeded",
  "not_found",
  "THROTTLE_QUOTA_EXHAUSTED",
]);

/** Of those, the ones that mean the setup is wrong (key, model, address), not the account's state. */
const SETUP_CODES = new Set(["authentication", "permission", "not_found", "unreachable"]);

/**
 * Unreachable attempts, with no answer yet, before the run concludes that nothing listens there: a
 * few, so that one refused connection while a server restarts does not end a run, and few enough
 * that a wrong --base-url stops within seconds (the third try of one call comes ~3 s after the first).
 */
const UNREACHABLE_ATTEMPTS = 3;

/** Nothing listens at the provider's address, and no request ever got through. */
export class UnreachableError extends SummarizerError {
  readonly retryable = false;

  constructor(endpoint: string, cause: unknown) {
    const why = unreachableCause(cause);
    super("unreachable", `cannot reach ${endpoint}: is the server running?${why ? ` (${why})` : ""}`, {
      cause,
    });
  }
}

/** A call refused because the run already stopped; it was never sent. */
export class RunStoppedError extends SummarizerError {
  readonly retryable = false;

  constructor(reason: unknown) {
    super(
      "run_stopped",
      `not sent: the run stopped after an error every call would hit (${reason instanceof Error ? reason.message : String(reason)})`,
    );
  }
}

/**
 * Stops the run after an error that every other call would hit too (a rejected key, an unknown
 * model, a spend cap, nothing listening at the address): from then on no request goes out, and the
 * files not started are skipped.
 */
export class RunControl {
  private reason: unknown;
  private answered = false;
  private unreachableAttempts = 0;
  /** Names the server in "cannot reach …". */
  private endpoint = "the provider";

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  get stopReason(): unknown {
    return this.reason;
  }

  /** The stop, when it means the setup is wrong (exit code 2): an unreachable server, a rejected key. */
  get setupProblem(): unknown {
    return SETUP_CODES.has(codeOf(this.reason) ?? "") ? this.reason : undefined;
  }

  stop(reason: unknown): void {
    this.reason ??= reason;
  }

  /** Stops the run if `error` is one every other call would meet too. */
  stopIfFatal(error: unknown): void {
    if (FATAL_CODES.has(codeOf(error) ?? "")) this.stop(error);
  }

  /** Learns from one attempt that the limiter let through. */
  observe(outcome: { ok: true } | { ok: false; error: unknown }): void {
    if (outcome.ok) {
      this.answered = true;
      return;
    }
    const { error } = outcome;
    this.stopIfFatal(error);
    if (!this.answered && isUnreachable(error)) {
      this.unreachableAttempts += 1;
      if (this.unreachableAttempts >= UNREACHABLE_ATTEMPTS)
        this.stop(new UnreachableError(this.endpoint, error));
    }
  }

  /**
   * Wraps the model the limiter calls, so that a call admitted after the run stopped is refused
   * instead of sent, and every attempt's outcome is observed.
   */
  guard(model: ChatModel, endpoint: string): ChatModel {
    const control = this;
    this.endpoint = endpoint;
    const admit = () => {
      if (control.stopped) throw new RunStoppedError(control.reason);
    };
    return {
      ...model,
      async generate(request: ChatRequest): Promise<ChatResponse> {
        admit();
        try {
          const response = await model.generate(request);
          control.observe({ ok: true });
          return response;
        } catch (error) {
          control.observe({ ok: false, error });
          throw error;
        }
      },
      async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
        admit();
        try {
          for await (const event of model.stream(request)) {
            if (event.type === "done") control.observe({ ok: true });
            yield event;
          }
        } catch (error) {
          control.observe({ ok: false, error });
          throw error;
        }
      },
    };
  }
}
