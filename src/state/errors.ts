/**
 * Errors of the state layer. Every failure is an OrderformError with one of the registry's state
 * codes; the message names the file involved and, where there is one, the remedy.
 */
import type { CodeOf } from "../core/error-codes.js";
import { OrderformError } from "../core/errors.js";

/** The state layer's codes; their meanings are in the registry (src/core/error-codes.ts). */
export type StateErrorCode = CodeOf<"state">;

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
