import { describe, expect, it } from "vitest";
import {
  createBucketConfig,
  createRateLimiter,
  releaseToken,
  reserveToken,
  type BucketState,
} from "../../../src/partner-center/rate-limiter.js";

describe("createBucketConfig", () => {
  it.each([
    { rpm: 500, burst: undefined, capacity: 10, perMinute: 490 },
    { rpm: 500, burst: 50, capacity: 50, perMinute: 450 },
    { rpm: 60, burst: undefined, capacity: 1, perMinute: 59 },
    { rpm: 10, burst: 100, capacity: 5, perMinute: 5 }, // burst capped at half the limit
  ])("$rpm/min burst $burst", ({ rpm, burst, capacity, perMinute }) => {
    const config = createBucketConfig(rpm, burst);
    expect(config.capacity).toBe(capacity);
    expect(config.refillPerMs * 60_000).toBeCloseTo(perMinute, 9);
  });

  it("rejects a non-positive limit", () => {
    expect(() => createBucketConfig(0)).toThrow(RangeError);
  });
});

describe("reserveToken", () => {
  const config = createBucketConfig(500); // capacity 10, 490 per minute

  it("lets the burst through at once, then spaces requests at the refill rate", () => {
    let state: BucketState = { tokens: config.capacity, updatedAt: 0 };
    const waits: number[] = [];
    for (let i = 0; i < 13; i += 1) {
      const r = reserveToken(config, state, 0);
      state = r.state;
      waits.push(r.waitMs);
    }
    const step = 60_000 / 490;
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits.slice(10)).toEqual([1, 2, 3].map((n) => Math.ceil(n * step)));
  });

  it("refills with time but never above capacity", () => {
    const r = reserveToken(config, { tokens: -3, updatedAt: 0 }, 3_600_000);
    expect(r.waitMs).toBe(0);
    expect(r.state.tokens).toBe(config.capacity - 1);
  });

  it("never admits more than the limit in any 60 s window, whatever the arrival pattern", () => {
    // Arrivals: a burst at t=0, then steady pressure; send times are arrival + wait.
    let state: BucketState = { tokens: config.capacity, updatedAt: 0 };
    const sendTimes: number[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const at = i < 600 ? 0 : (i - 600) * 50;
      const r = reserveToken(config, state, at);
      state = r.state;
      sendTimes.push(at + r.waitMs);
    }
    sendTimes.sort((a, b) => a - b);
    let worst = 0;
    let lo = 0;
    for (let hi = 0; hi < sendTimes.length; hi += 1) {
      while ((sendTimes[hi] ?? 0) - (sendTimes[lo] ?? 0) >= 60_000) lo += 1;
      worst = Math.max(worst, hi - lo + 1);
    }
    expect(worst).toBeLessThanOrEqual(500);
    expect(worst).toBeGreaterThan(480);
  });

  it("releaseToken gives back a reservation", () => {
    expect(releaseToken(config, { tokens: -2, updatedAt: 5 })).toEqual({ tokens: -1, updatedAt: 5 });
    expect(releaseToken(config, { tokens: 10, updatedAt: 5 }).tokens).toBe(10);
  });
});

describe("createRateLimiter", () => {
  it("keeps keys apart and aborts a waiting acquire", async () => {
    let clock = 0;
    const limiter = createRateLimiter({ requestsPerMinute: 60, now: () => clock }); // capacity 1
    await limiter.acquire("a");
    await limiter.acquire("b"); // another key has its own bucket
    const controller = new AbortController();
    const waiting = limiter.acquire("a", controller.signal); // must wait ~1 s
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toMatchObject({ code: "partner-center.aborted" });
    // 1.1 s refills ~1.08 tokens: enough only if the aborted reservation was given back. An
    // acquire that had to wait would be rejected by the abort that follows it.
    clock = 1100;
    const probe = new AbortController();
    const immediate = limiter.acquire("a", probe.signal);
    probe.abort(new Error("would have waited"));
    await expect(immediate).resolves.toBeUndefined();
  });
});
