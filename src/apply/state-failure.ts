/**
 * The error an apply ends with when recording failed (a journal append threw: state.write-failed,
 * state.lock-lost). The state layer's messages already say what became of each record; this adds
 * the others and the orders that were not started. Every order the applier sends has its intent
 * recorded first, so an order whose record was lost is resumed by the next apply (same request id).
 */
import { OrderformError } from "../core/errors.js";

export function createStateFailureError(failures: readonly unknown[], skipped: number): unknown {
  const [first, ...others] = failures;
  if (!(first instanceof OrderformError)) return first;
  const extra = others.map((error) => (error instanceof Error ? error.message : String(error)));
  const notStarted =
    skipped === 0
      ? ""
      : ` ${skipped} declared order(s) were not started after that; the next apply plans them again.`;
  const also = extra.length === 0 ? "" : ` Also: ${extra.join(" Also: ")}`;
  return new OrderformError(first.code, `${first.message}${notStarted}${also}`, {
    hint: first.hint,
    cause: first,
  });
}
