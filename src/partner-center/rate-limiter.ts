/**
 * A token bucket per key (the partner tenant, or partner + customer), shared by all concurrent
 * work of one client, so that a large plan or apply paces itself under Partner Center's limit
 * (500 requests per minute per tenant identifier, as Microsoft's throttling guidance for orders documents) instead of running into 429s.
 *
 * The server's window algorithm is not documented (fixed or sliding). So the bucket is sized such
 * that no 60-second window, however aligned, sees more than `requestsPerMinute`: the burst is taken
 * out of the refill (burst + refill * 60 s = requestsPerMinute).
 */
import { waitFor } from "./wait.js";

export interface RateLimiter {
  /** Resolves when a request for `key` may be sent; rejects when `signal` aborts. */
  acquire(key: string, signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  requestsPerMinute: number;
  /** Requests that may go at once after a quiet period. Default: 2% of the limit, at least 1. */
  burst?: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

export interface BucketConfig {
  capacity: number;
  refillPerMs: number;
}

/** `tokens` may go negative: each negative token is a reservation by a waiting caller. */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export function createBucketConfig(requestsPerMinute: number, burst?: number): BucketConfig {
  if (!(requestsPerMinute > 0)) throw new RangeError("requestsPerMinute must be positive");
  const capacity = Math.max(
    1,
    Math.min(burst ?? Math.floor(requestsPerMinute / 50), Math.floor(requestsPerMinute / 2)),
  );
  return { capacity, refillPerMs: (requestsPerMinute - capacity) / 60_000 };
}

/**
 * Takes one token and returns how long the caller must wait before sending (0 = now), together
 * with the next state. Pure: `now` is passed in.
 */
export function reserveToken(
  config: BucketConfig,
  state: BucketState,
  now: number,
): { state: BucketState; waitMs: number } {
  const elapsed = Math.max(0, now - state.updatedAt);
  const refilled = Math.min(config.capacity, state.tokens + elapsed * config.refillPerMs);
  const tokens = refilled - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil(-tokens / config.refillPerMs);
  return { state: { tokens, updatedAt: now }, waitMs };
}

/** Gives back a reservation that was never used (its caller aborted while waiting). */
export function releaseToken(config: BucketConfig, state: BucketState): BucketState {
  return { tokens: Math.min(config.capacity, state.tokens + 1), updatedAt: state.updatedAt };
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const config = createBucketConfig(options.requestsPerMinute, options.burst);
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, BucketState>();
  return {
    async acquire(key: string, signal?: AbortSignal): Promise<void> {
      const at = now();
      const { state, waitMs } = reserveToken(
        config,
        buckets.get(key) ?? { tokens: config.capacity, updatedAt: at },
        at,
      );
      buckets.set(key, state);
      if (waitMs === 0) return;
      try {
        await waitFor(waitMs, signal);
      } catch (error) {
        const current = buckets.get(key);
        if (current !== undefined) buckets.set(key, releaseToken(config, current));
        throw error;
      }
    },
  };
}
