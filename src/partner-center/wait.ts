/** Abortable waiting, shared by retries, the rate limiter and token refresh. */
import { setTimeout as sleep } from "node:timers/promises";
import { OrderformError } from "../core/errors.js";

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export async function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    if (signal?.aborted === true) throw abortReason(signal);
    throw error;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortReason(signal);
}

/** The abort reason when it is one of ours (e.g. cli.interrupted), else a typed error. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof OrderformError) return reason;
  return new OrderformError("partner-center.aborted", "the request was cancelled", { cause: reason });
}
