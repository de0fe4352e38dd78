/**
 * The retry policy as a pure function: given what happened to an attempt, decide whether to try
 * again and after how long. The client does the waiting (abortable) and never changes the
 * MS-RequestId between attempts, so a retried create is de-duplicated by Partner Center.
 */
import { ORDER_IN_PROGRESS_CODE } from "./errors.js";

export interface RetryPolicy {
  maxAttempts: number; // attempts that failed for transport, timeout, 5xx or 409/800060
  maxElapsedMs: number; // no wait may end later than this after the first attempt started
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s are the service asking us to wait, so they have their own, larger bound. */
  maxThrottledAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  maxElapsedMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxThrottledAttempts: 30,
};

export type OperationKind = "create" | "read" | "update";

export type AttemptOutcome =
  | { kind: "response"; status: number; serviceCode?: string | number; retryAfterMs?: number }
  | { kind: "transport"; code: string }; // ECONNRESET, UND_ERR_HEADERS_TIMEOUT, ...

export interface RetryInput {
  outcome: AttemptOutcome;
  operationKind: OperationKind;
  /** Failed attempts so far that count against maxAttempts, including this one. */
  failures: number;
  /** 429 answers so far, including this one if it is a 429. */
  throttles: number;
  elapsedMs: number;
  policy: RetryPolicy;
  /** Uniform in [0, 1): injectable so that tests are deterministic. */
  random: () => number;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string; counts: "failure" | "throttle" }
  | { retry: false; reason: string; retryable: boolean };

const RETRYABLE_STATUSES = new Set([408, 500, 502, 503, 504]);

/** Whether an HTTP answer is of a kind that is worth sending again (ignores budgets). */
export function isRetryableStatus(
  status: number,
  serviceCode: string | number | undefined,
  kind: OperationKind,
): boolean {
  if (status === 429 || RETRYABLE_STATUSES.has(status)) return true;
  // 409 800060: the first attempt under this MS-RequestId is still being processed. A write sends
  // the same request id on every attempt, so asking again is answered with that attempt's outcome.
  return status === 409 && kind !== "read" && String(serviceCode) === ORDER_IN_PROGRESS_CODE;
}

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^(n-1))]. */
export function computeBackoffMs(failures: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

export function decideRetry(input: RetryInput): RetryDecision {
  const { outcome, policy, random } = input;
  let delayMs: number;
  let reason: string;
  let counts: "failure" | "throttle" = "failure";
  if (outcome.kind === "transport") {
    reason = outcome.code;
    delayMs = computeBackoffMs(input.failures, policy, random);
  } else if (outcome.status === 429) {
    counts = "throttle";
    if (outcome.retryAfterMs !== undefined) {
      // Honour Retry-After, plus a little jitter so that concurrent workers do not return in step.
      delayMs = outcome.retryAfterMs + Math.floor(random() * Math.min(policy.baseDelayMs, 1000));
      reason = `429 Retry-After ${Math.round(outcome.retryAfterMs / 1000)}s`;
    } else {
      delayMs = computeBackoffMs(input.throttles, policy, random);
      reason = "429 without Retry-After";
    }
  } else if (isRetryableStatus(outcome.status, outcome.serviceCode, input.operationKind)) {
    if (outcome.status === 409) {
      // The first attempt is still being processed: "equal jitter" so we never ask again at once.
      const ceiling = Math.min(
        policy.maxDelayMs,
        policy.baseDelayMs * 2 ** Math.min(Math.max(input.failures - 1, 0), 30),
      );
      delayMs = Math.floor(ceiling / 2 + random() * (ceiling / 2));
      reason = `409 ${ORDER_IN_PROGRESS_CODE}`;
    } else {
      delayMs = computeBackoffMs(input.failures, policy, random);
      reason = `HTTP ${outcome.status}`;
    }
  } else {
    return { retry: false, reason: `HTTP ${outcome.status} is not retried`, retryable: false };
  }
  if (counts === "failure" && input.failures >= policy.maxAttempts) {
    return { retry: false, reason: `${reason}: gave up after ${input.failures} attempts`, retryable: true };
  }
  if (counts === "throttle" && input.throttles >= policy.maxThrottledAttempts) {
    return {
      retry: false,
      reason: `${reason}: gave up after ${input.throttles} throttled attempts`,
      retryable: true,
    };
  }
  if (input.elapsedMs + delayMs > policy.maxElapsedMs) {
    return {
      retry: false,
      reason: `${reason}: waiting ${delayMs} ms more would exceed the ${policy.maxElapsedMs} ms retry budget`,
      retryable: true,
    };
  }
  return { retry: true, delayMs, reason, counts };
}
