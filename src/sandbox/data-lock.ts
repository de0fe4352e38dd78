/**
 * One sandbox process per data file. Two sandboxes on one file (two `orderform sandbox --data F`,
 * or one beside the in-process sandbox of `endpoint: sandbox`) would each fold their own memory
 * into the snapshot on close, silently dropping the orders the other wrote. The lock is the file
 * `<data>.lock`, created exclusively, holding the owner's pid and host; it is removed on close.
 * A lock whose pid is no longer running on this host was left by a killed sandbox and is taken
 * over; any other lock is refused with the holder's name.
 */
import { randomUUID } from "node:crypto";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { OrderformError } from "../core/errors.js";

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** Tells this lock from a later one of the same process (tests start several sandboxes). */
  token?: string;
}

/** Takes the lock of `dataFile`; returns the function that releases it (only if still ours). */
export function lockDataFile(dataFile: string): () => void {
  const lockFile = `${dataFile}.lock`;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(lockFile, "wx", 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return () => releaseLock(lockFile, me);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw explainLockFailure(error, lockFile);
    }
    const holder = readHolder(lockFile);
    if (attempt === 0 && holder !== undefined && holder.host === me.host && !checkProcessAlive(holder.pid)) {
      // Left by a sandbox that was killed: nobody writes the data file any more.
      unlinkSync(lockFile);
      continue;
    }
    throw new OrderformError(
      "sandbox.data-locked",
      holder === undefined
        ? `the sandbox data file ${dataFile} is locked (${lockFile} exists but names no holder)`
        : `the sandbox data file ${dataFile} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since})`,
      {
        hint:
          holder === undefined || holder.host !== me.host
            ? `stop the sandbox that uses it; if none does, delete ${lockFile}`
            : `stop that process (an orderform sandbox, or a command with endpoint: sandbox) and try again, or use another data file`,
      },
    );
  }
}

function releaseLock(lockFile: string, me: LockHolder): void {
  const holder = readHolder(lockFile);
  if (holder === undefined || holder.token !== me.token || holder.pid !== me.pid) return;
  try {
    unlinkSync(lockFile);
  } catch {
    /* already gone: nothing to release */
  }
}

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(lockFile, "utf8")) as Partial<LockHolder> | null;
    if (typeof value?.pid !== "number" || typeof value.host !== "string") return undefined;
    const since = String(value.since ?? "an unknown time");
    return { pid: value.pid, host: value.host, since, token: value.token };
  } catch {
    return undefined;
  }
}

/** Signal 0 tests for existence: ESRCH means gone; EPERM means alive but another user's. */
function checkProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function explainLockFailure(error: unknown, lockFile: string): OrderformError {
  const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
  return new OrderformError("sandbox.data-unwritable", `cannot create the lock ${lockFile}: ${code}`, {
    hint: "the sandbox needs to write next to its data file; check the folder exists and is writable",
    cause: error,
  });
}
