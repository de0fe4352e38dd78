/**
 * Partner Center's rate limit, emulated: fixed one-minute windows per key (the partner, or the
 * partner and customer, as `rateLimitKey` says), `rateLimitPerMinute` requests each (0 turns the
 * limit off). A refused request is answered 429 in the documented throttling shape,
 * {statusCode, message} with Retry-After, which differs from every other error. Injected throttles
 * (faults.ts) use the same answer. See docs/sandbox.md.
 */
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from "./defaults.js";
import type { Exchange, SandboxContext } from "./context.js";
import { sendAnswer } from "./respond.js";

const WINDOW_MS = 60_000;

/** Counts the request in its window; returns Retry-After seconds when the request is refused. */
export function takeRateWindowSlot(
  ctx: SandboxContext,
  partnerTenantId: string,
  customerId: string,
): number | undefined {
  const limit = ctx.options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (limit <= 0 || !Number.isFinite(limit)) return undefined;
  const key = ctx.options.rateLimitKey === "partner" ? partnerTenantId : `${partnerTenantId}|${customerId}`;
  const now = ctx.now();
  let window = ctx.rateWindows.get(key);
  if (window === undefined || now - window.startMs >= WINDOW_MS) {
    window = { startMs: now, count: 0 };
    ctx.rateWindows.set(key, window);
  }
  if (window.count >= limit) return Math.max(1, Math.ceil((window.startMs + WINDOW_MS - now) / 1000));
  window.count += 1;
  return undefined;
}

/** The documented 429 shape differs from other errors: {statusCode, message} plus Retry-After. */
export function sendThrottled(
  ctx: SandboxContext,
  exchange: Exchange,
  template: string,
  seconds: number,
): void {
  sendAnswer(ctx, exchange, template, {
    status: 429,
    body: JSON.stringify({
      statusCode: 429,
      message: `Rate limit is exceeded. Try again in ${seconds} seconds.`,
    }),
    headers: { "Retry-After": String(seconds) },
  });
}
