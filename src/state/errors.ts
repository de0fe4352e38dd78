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
  | "state.lineage-mismatch" // the journal or snapshot belongs to another state than history's newest version
  | "state.rolled-back" // the snapshot's serial is below history's newest version
  | "state.history-exists" // a history file for this serial exists already; history is never overwritten
  | "state.journal-corrupt" // a journal line before the last one is not a valid record
  | "state.locked" // held by a live process (or one on another host) past the timeout
  | "state.lock-stale" // held by a dead process whose takeover was interrupted (see docs/state.md)
  | "state.lock-not-found" // force-unlock with an id that is not the current lock's
  | "state.lock-alive" // force-unlock of a lock whose holder still runs on this host (without --force)
  | "state.lock-lost" // this session's lock was removed or taken while it ran (fencing)
  | "state.write-failed" // a write to a state file failed (ENOSPC, EACCES, EROFS, ...)
  | "state.read-failed" // a state file exists but could not be read (EACCES, EISDIR, ...)
  | "state.lock-aborted" // the wait for the lock was cancelled (Ctrl-C)
  | "state.session-closed" // append/commit after release: a bug in the caller
  | "state.version-not-found" // readVersion(serial) with no such history file
  | "state.migrate-other-lineage" // state migrate into a store that holds another state
  | "state.migrate-diverged" // state migrate into a store of the same lineage that is not an earlier copy
  | "state.migrate-target-busy" // state migrate into a store with uncommitted journal records
  | "state.migrate-no-state" // state migrate from a store that holds no state
  | "state.migrate-same-store" // state migrate --to a config that names the current state
  | "state.backend-secret-missing" // the environment variable naming a backend secret is not set
  | "state.backend-unreachable" // the shared store does not answer (refused, timed out, name not resolved)
  | "state.backend-auth-failed" // the shared store refused the credentials
  | "state.backend-missing" // the database (pg) or container (azblob) does not exist
  | "state.backend-forbidden" // signed in, but not allowed to do this (create the schema, end a session, ...)
  | "state.backend-unsupported" // the server lacks what orderform relies on (pg: PostgreSQL 14 or later)
  | "state.backend-misconfigured"; // the connection settings cannot be used (a malformed connection string)

export function createStateError(
  code: StateErrorCode,
  message: string,
  options: { hint?: string; cause?: unknown } = {},
): OrderformError {
  return new OrderformError(code, message, options);
}

function describeErrno(error: unknown): string {
  const errno = error as NodeJS.ErrnoException | undefined;
  const message = error instanceof Error ? error.message : String(error);
  return errno?.code === undefined ? message : `${errno.code}: ${message.replace(`${errno.code}: `, "")}`;
}

function createIoHint(file: string, error: unknown): string | undefined {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case "ENOSPC":
    case "EDQUOT":
      return `Free space on the file system holding ${file}, then run again.`;
    case "EACCES":
    case "EPERM":
      return `Check the permissions of ${file} and of its folder.`;
    case "EROFS":
      return `The file system holding ${file} is read-only; put the state on a writable one.`;
    default:
      return undefined;
  }
}

/**
 * A failed write to a state file as `state.write-failed`, naming the file and the cause (errno code
 * and message). An OrderformError passes through unchanged. `consequence` says what happened to
 * the data, e.g. "The record was not written."
 */
export function createWriteFailedError(file: string, error: unknown, consequence = ""): OrderformError {
  if (error instanceof OrderformError) return error;
  return createStateError(
    "state.write-failed",
    `Could not write ${file}: ${describeErrno(error)}.${consequence === "" ? "" : ` ${consequence}`}`,
    { hint: createIoHint(file, error), cause: error },
  );
}

export function createReadFailedError(file: string, error: unknown): OrderformError {
  if (error instanceof OrderformError) return error;
  return createStateError("state.read-failed", `Could not read ${file}: ${describeErrno(error)}.`, {
    hint: createIoHint(file, error),
    cause: error,
  });
}

/** Runs a write to `file`; any failure becomes state.write-failed naming it (see createWriteFailedError). */
export async function writeChecked<T>(file: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw createWriteFailedError(file, error);
  }
}
