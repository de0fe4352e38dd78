import { describe, expect, it } from "vitest";
import {
  computeBackoffMs,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  type RetryInput,
} from "../../../src/partner-center/retry.js";

const policy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 3,
  maxElapsedMs: 10_000,
  baseDelayMs: 100,
  maxDelayMs: 1000,
};
const half = () => 0.5;

function input(extra: Partial<RetryInput> & Pick<RetryInput, "outcome">): RetryInput {
  return { operationKind: "create", failures: 1, throttles: 0, elapsedMs: 0, policy, random: half, ...extra };
}

describe("decideRetry", () => {
  it.each([
    {
      name: "503 retried with full jitter",
      in: input({ outcome: { kind: "response", status: 503 } }),
      retry: true,
      delayMs: 50,
    },
    {
      name: "500 retried",
      in: input({ outcome: { kind: "response", status: 500 }, failures: 2 }),
      retry: true,
      delayMs: 100,
    },
    {
      name: "502 retried",
      in: input({ outcome: { kind: "response", status: 502 } }),
      retry: true,
      delayMs: 50,
    },
    {
      name: "504 retried",
      in: input({ outcome: { kind: "response", status: 504 } }),
      retry: true,
      delayMs: 50,
    },
    {
      name: "408 retried",
      in: input({ outcome: { kind: "response", status: 408 } }),
      retry: true,
      delayMs: 50,
    },
    {
      name: "ECONNRESET retried",
      in: input({ outcome: { kind: "transport", code: "ECONNRESET" } }),
      retry: true,
      delayMs: 50,
    },
    {
      name: "headers timeout retried",
      in: input({ outcome: { kind: "transport", code: "UND_ERR_HEADERS_TIMEOUT" }, failures: 3 - 1 }),
      retry: true,
      delayMs: 100,
    },
    {
      name: "400 never retried",
      in: input({ outcome: { kind: "response", status: 400, serviceCode: 800002 } }),
      retry: false,
      retryable: false,
    },
    {
      name: "403 never retried",
      in: input({ outcome: { kind: "response", status: 403 } }),
      retry: false,
      retryable: false,
    },
    {
      name: "404 never retried",
      in: input({ outcome: { kind: "response", status: 404 } }),
      retry: false,
      retryable: false,
    },
    {
      name: "501 never retried",
      in: input({ outcome: { kind: "response", status: 501 } }),
      retry: false,
      retryable: false,
    },
    {
      name: "409 800060 on create waits (equal jitter) and retries",
      in: input({ outcome: { kind: "response", status: 409, serviceCode: 800060 } }),
      retry: true,
      delayMs: 75,
    },
    {
      name: "409 800060 as a string code too",
      in: input({ outcome: { kind: "response", status: 409, serviceCode: "800060" } }),
      retry: true,
      delayMs: 75,
    },
    {
      name: "409 800060 on a read is not retried",
      in: input({ operationKind: "read", outcome: { kind: "response", status: 409, serviceCode: 800060 } }),
      retry: false,
      retryable: false,
    },
    {
      name: "409 800064 (cart busy) not retried",
      in: input({ outcome: { kind: "response", status: 409, serviceCode: 800064 } }),
      retry: false,
      retryable: false,
    },
    {
      name: "429 waits Retry-After plus jitter",
      in: input({
        outcome: { kind: "response", status: 429, retryAfterMs: 2000 },
        failures: 0,
        throttles: 1,
      }),
      retry: true,
      delayMs: 2050,
    },
    {
      name: "429 without Retry-After backs off",
      in: input({ outcome: { kind: "response", status: 429 }, failures: 0, throttles: 3 }),
      retry: true,
      delayMs: 200,
    },
    {
      name: "429 does not use up the failure budget",
      in: input({ outcome: { kind: "response", status: 429, retryAfterMs: 0 }, failures: 3, throttles: 5 }),
      retry: true,
      delayMs: 50,
    },
    {
      name: "429 storm bounded by its own budget",
      in: input({
        outcome: { kind: "response", status: 429, retryAfterMs: 0 },
        throttles: policy.maxThrottledAttempts,
      }),
      retry: false,
      retryable: true,
    },
    {
      name: "attempts exhausted",
      in: input({ outcome: { kind: "response", status: 503 }, failures: 3 }),
      retry: false,
      retryable: true,
    },
    {
      name: "time budget exhausted",
      in: input({
        outcome: { kind: "response", status: 429, retryAfterMs: 5000 },
        throttles: 1,
        elapsedMs: 6000,
      }),
      retry: false,
      retryable: true,
    },
  ])("$name", (c) => {
    const decision = decideRetry(c.in);
    expect(decision.retry).toBe(c.retry);
    if (decision.retry) expect(decision.delayMs).toBe(c.delayMs);
    else expect(decision.retryable).toBe(c.retryable);
  });
});

describe("computeBackoffMs", () => {
  it.each([
    { failures: 1, random: 0.999, max: 99 },
    { failures: 2, random: 0.999, max: 199 },
    { failures: 4, random: 0.999, max: 799 },
    { failures: 5, random: 0.999, max: 999 }, // capped by maxDelayMs
    { failures: 60, random: 0.999, max: 999 },
    { failures: 3, random: 0, max: 0 },
  ])("failure $failures stays within [0, $max]", ({ failures, random, max }) => {
    expect(computeBackoffMs(failures, policy, () => random)).toBe(max);
  });
});
