/** One shared table: what it pins down, and its cases. */
export interface Table<Case> {
  readonly about: string;
  readonly cases: readonly Case[];
}

/** `x-ratelimit-reset-*` text → ms (null: not a duration). */
export interface GoDurationCase {
  readonly input: string | null;
  readonly expectedMs: number | null;
}

/** Response headers → the wait they ask for in ms (null: they did not say), at `nowMs`. */
export interface RetryAfterCase {
  readonly headers: Readonly<Record<string, string>>;
  readonly expectedMs: number | null;
}

/** A failure's code, type and status → whether it is a spend cap / quota refusal. */
export interface QuotaCodeCase {
  readonly errorCode?: string;
  readonly errorType?: string;
  readonly status?: number;
  readonly quota: boolean;
}

/** One backoff delay for a failed attempt, with the random draw fixed. */
export interface BackoffCase {
  readonly attempt: number;
  readonly random: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly jitter: number;
  readonly expectedMs: number;
}

export declare const goDurations: Table<GoDurationCase>;
export declare const retryAfter: Table<RetryAfterCase> & { readonly nowMs: number };
export declare const quotaCodes: Table<QuotaCodeCase> & { readonly knownCodes: readonly string[] };
export declare const backoff: Table<BackoffCase>;
