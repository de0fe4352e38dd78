/**
 * The error an apply ends with when recording failed (a journal append threw: state.write-failed,
 * state.lock-lost). The state layer's messages already say what became of each record; this adds
 * the others and the orders that were not started. Every order the applier sends has its intent
 * recorded first, so an order whose record was lost is resumed by the next apply (same request id).
 */
import { OrderformError } from "../core/errors.js";
import type { ApplyEvent } from "./events.js";

export interface StateFailure {
  name: string;
  /** Its order_started was emitted: the intent was recorded, and the create may have been sent. */
  started: boolean;
  error: unknown;
}

export function createStateFailureError(failures: readonly StateFailure[], skipped: number): unknown {
  const [first, ...others] = failures;
  if (first === undefined || !(first.error instanceof OrderformError)) return first?.error;
  const stopped = others.map((other) =>
    other.started
      ? `${other.name} (its intent was recorded before it was sent, so the next apply records it or resumes it with the same request id)`
      : `${other.name} (not sent)`,
  );
  const also = stopped.length === 0 ? "" : ` Recording also failed for ${stopped.join(", ")}.`;
  const notStarted =
    skipped === 0
      ? ""
      : ` ${skipped} declared order(s) were not started after that; the next apply plans them again.`;
  return new OrderformError(first.error.code, `${first.error.message}${also}${notStarted}`, {
    hint: first.error.hint,
    cause: first.error,
  });
}

/**
 * The event for an order whose recording failed: started (its intent was recorded, the create may
 * have been sent) means pending, resumed by the next apply; not started means it was not sent.
 */
export function createStoppedEvent(
  action: { name: string; customer: string },
  startedRequestId: string | undefined,
  error: unknown,
): ApplyEvent {
  const code = error instanceof OrderformError ? error.code : "apply.record-failed";
  const message = error instanceof Error ? error.message : String(error);
  if (startedRequestId === undefined) {
    return {
      type: "order_skipped",
      name: action.name,
      customer: action.customer,
      reason: `not started: the state could not be written [${code}]`,
    };
  }
  return {
    type: "order_failed",
    name: action.name,
    customer: action.customer,
    requestId: startedRequestId,
    pending: true,
    code,
    message,
  };
}
