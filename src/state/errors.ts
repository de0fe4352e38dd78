/**
 * Error codes of the state layer. Every failure is an OrderformError with one of these codes; the
 * message names the file involved and, where there is one, the remedy.
 */
import { OrderformError } from "../core/errors.js";

export type StateErrorCode =
  | "state.corrupt" // snapshot or history file unreadable, not JSON, or against the schema
  | "state.unknown-version" // a `version` this orderform does not know
  | "state.serial-moved" // another writer committed since this session opened
  | "state.missing" // the snapshot is gone but history shows there was one
  | "state.lineage-mismatch" // the journal or snapshot belongs to another state
  | "state.journal-corrupt" // a journal line before the last one is not a valid record
  | "state.locked" // held by a live process (or one on another host) past the timeout
  | "state.lock-stale" // held by a dead process on this host
  | "state.lock-not-found" // force-unlock with an id that is not the current lock's
  | "state.lock-aborted" // the wait for the lock was cancelled (Ctrl-C)
  | "state.session-closed" // append/commit after release: a bug in the caller
  | "state.version-not-found"; // readVersion(serial) with no such history file

export function createStateError(
  code: StateErrorCode,
  message: string,
  options: { hint?: string; cause?: unknown } = {},
): OrderformError {
  return new OrderformError(code, message, options);
}
