/**
 * The state lock: a file `P.lock` created exclusively (O_EXCL), holding LockInfo as JSON.
 *
 * Known limits: the lock is advisory (only orderform honours it); a dead holder is recognised only
 * on the same host (a pid on another host cannot be checked), and a recycled pid looks alive, so
 * such a lock waits for the timeout and then names its holder; it is never broken automatically,
 * since breaking the lock of a run that is still placing orders could place them twice.
 */
import { link, open, unlink } from "node:fs/promises";
import type { LockInfo } from "./types.js";
import { FILE_MODE, readFileIfExists, syncDirectory } from "./atomic-file.js";
import { createStateError } from "./errors.js";
import { dirname } from "node:path";

export interface LockEnvironment {
  host: string;
  isProcessAlive: (pid: number) => boolean;
}

/** The current lock, "unreadable" when the file exists but holds no valid LockInfo, or null. */
export async function readLockInfo(lockPath: string): Promise<LockInfo | "unreadable" | null> {
  const text = await readFileIfExists(lockPath);
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value.id === "string" && typeof value.pid === "number" && typeof value.host === "string") {
      return value as LockInfo;
    }
  } catch {
    // Fall through: a writer killed between creating the file and writing it leaves it empty.
  }
  return "unreadable";
}

/**
 * Creates the lock file; false when it already exists. The record is written and fsynced to a
 * temporary file first and then hard-linked into place (link fails with EEXIST when the lock exists),
 * so the lock file appears complete or not at all: a kill can never leave an empty lock behind.
 */
async function tryCreateLock(lockPath: string, info: LockInfo): Promise<boolean> {
  const temp = `${lockPath}.${info.pid}.${info.id}.tmp`;
  const handle = await open(temp, "w", FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(dirname(lockPath));
  return true;
}

export function renderLockHolder(info: LockInfo): string {
  return `${info.owner}@${info.host} (pid ${info.pid}, operation "${info.operation}", started ${info.started}, lock id ${info.id})`;
}

function createLockedError(lockPath: string, holder: LockInfo | "unreadable", waitedMs: number) {
  if (holder === "unreadable") {
    return createStateError(
      "state.locked",
      `The state is locked: ${lockPath} exists but holds no readable lock record (waited ${waitedMs} ms).`,
      {
        hint: `If no orderform run is in progress, the lock was left by a run killed while taking it: delete ${lockPath}.`,
      },
    );
  }
  return createStateError(
    "state.locked",
    `The state is locked by ${renderLockHolder(holder)}; waited ${waitedMs} ms.`,
    {
      hint: `Wait for that run to finish, or raise --lock-timeout. If it is no longer running: orderform force-unlock ${holder.id}`,
    },
  );
}

function createStaleError(lockPath: string, holder: LockInfo) {
  return createStateError(
    "state.lock-stale",
    `The state lock ${lockPath} is stale: it is held by ${renderLockHolder(holder)}, and process ${holder.pid} is no longer running on ${holder.host}.`,
    {
      hint: `Run \`orderform force-unlock ${holder.id}\` to remove it; the next run then recovers that run's journal.`,
    },
  );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Takes the lock, polling with backoff (25 ms doubling to 1 s) until timeoutMs. A holder that is a
 * dead process on this host fails at once with state.lock-stale (it will never release).
 */
export async function acquireLock(
  lockPath: string,
  info: LockInfo,
  env: LockEnvironment,
  options: { timeoutMs: number; signal?: AbortSignal; now: () => number },
): Promise<void> {
  const started = options.now();
  let delay = 25;
  for (;;) {
    if (options.signal?.aborted) {
      throw createStateError("state.lock-aborted", `Stopped waiting for the state lock ${lockPath}.`);
    }
    if (await tryCreateLock(lockPath, info)) return;
    const holder = await readLockInfo(lockPath);
    if (holder === null) continue; // released between our attempt and the read: try again at once
    if (holder !== "unreadable" && holder.host === env.host && !env.isProcessAlive(holder.pid)) {
      throw createStaleError(lockPath, holder);
    }
    const waited = options.now() - started;
    if (waited >= options.timeoutMs) throw createLockedError(lockPath, holder, waited);
    await sleep(Math.min(delay, options.timeoutMs - waited), options.signal);
    delay = Math.min(delay * 2, 1000);
  }
}

/** Removes the lock only if it is still ours; true when removed. */
export async function releaseLock(lockPath: string, lockId: string): Promise<boolean> {
  const holder = await readLockInfo(lockPath);
  if (holder === null || holder === "unreadable" || holder.id !== lockId) return false;
  await unlink(lockPath);
  await syncDirectory(dirname(lockPath));
  return true;
}

export async function forceUnlockFile(lockPath: string, lockId: string): Promise<void> {
  const holder = await readLockInfo(lockPath);
  if (holder === null) {
    throw createStateError(
      "state.lock-not-found",
      `There is no state lock to remove (${lockPath} does not exist).`,
    );
  }
  if (holder === "unreadable") {
    throw createStateError(
      "state.lock-not-found",
      `${lockPath} holds no readable lock record, so no lock id matches ${lockId}.`,
      {
        hint: `If no orderform run is in progress, delete ${lockPath}.`,
      },
    );
  }
  if (holder.id !== lockId) {
    throw createStateError(
      "state.lock-not-found",
      `Lock id ${lockId} does not match the current lock, which is ${holder.id}, held by ${renderLockHolder(holder)}.`,
      { hint: `If that run is no longer running: orderform force-unlock ${holder.id}` },
    );
  }
  await unlink(lockPath);
  await syncDirectory(dirname(lockPath));
}

/** process.kill(pid, 0) probes without signalling; EPERM means it exists under another user. */
export function checkProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
