/**
 * The state lock: a file `P.lock` created exclusively (written to a temp file, fsynced, then
 * hard-linked into place), holding LockInfo as JSON. See docs/state.md, "Lock".
 *
 * A lock whose holder is provably gone from this host (same host name, and its pid is not running,
 * or runs with another start time: a recycled pid) is taken over by the next run (./lock-takeover.ts).
 *
 * Known limits: the lock is advisory (only orderform honours it); a holder on another host cannot
 * be checked, so its lock waits for the timeout and then names its holder; a live pid whose start
 * time is unknown (no /proc, no ps) is never proved gone.
 */
import { unlink } from "node:fs/promises";
import { dirname } from "node:path";
import type { LockInfo } from "./types.js";
import { isNotFound, syncDirectory, writeFileExclusive } from "./atomic-file.js";
import { createStateError, writeChecked } from "./errors.js";
import type { LockEnvironment } from "./lock-record.js";
import { readLockInfo, renderLockHolder, renderLockText } from "./lock-record.js";
import {
  createTakeoverMarkerPath,
  readHolderVerdict,
  renderVerdict,
  tryTakeOverLock,
  type HolderVerdict,
} from "./lock-takeover.js";

export type { LockEnvironment } from "./lock-record.js";
export { renderLockHolder } from "./lock-record.js";

/** A lock taken from a holder that was provably gone. */
export interface LockTakeover {
  holder: LockInfo;
  verdict: HolderVerdict;
}

/** Creates the lock file; false when it already exists. It appears complete or not at all. */
function tryCreateLock(lockPath: string, info: LockInfo): Promise<boolean> {
  return writeFileExclusive(lockPath, renderLockText(info));
}

function createLockedError(lockPath: string, holder: LockInfo | "unreadable", waitedMs: number) {
  const waited = Math.round(waitedMs);
  if (holder === "unreadable") {
    return createStateError(
      "state.locked",
      `The state is locked: ${lockPath} exists but holds no readable lock record (waited ${waited} ms).`,
      {
        hint: `If no orderform run is in progress, the lock was written by something other than orderform: delete ${lockPath}.`,
      },
    );
  }
  return createStateError(
    "state.locked",
    `The state is locked by ${renderLockHolder(holder)}; waited ${waited} ms.`,
    {
      hint: `Wait for that run to finish, or raise --lock-timeout. If it is no longer running: orderform force-unlock ${holder.id}`,
    },
  );
}

function createInterruptedTakeoverError(lockPath: string, holder: LockInfo, verdict: HolderVerdict) {
  return createStateError(
    "state.lock-stale",
    `The state lock ${lockPath} is held by ${renderLockHolder(holder)}, and ${renderVerdict(holder, verdict)}; but ${createTakeoverMarkerPath(lockPath, holder.id)} shows that another run started to take it over and has not finished.`,
    {
      hint: `If no other orderform run is in progress, that takeover was interrupted: run \`orderform force-unlock ${holder.id}\`; the next run then recovers the journal.`,
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

/** How long a run waits for another run's takeover to finish, whatever its --lock-timeout. */
const TAKEOVER_GRACE_MS = 2000;

/**
 * Takes the lock, polling with backoff (25 ms doubling to 1 s) until timeoutMs. A holder that is
 * provably gone from this host is taken over at once; the result then names it.
 */
export async function acquireLock(
  lockPath: string,
  info: LockInfo,
  env: LockEnvironment,
  options: { timeoutMs: number; signal?: AbortSignal; now: () => number },
): Promise<{ takenOver: LockTakeover | undefined }> {
  const started = options.now();
  let delay = 25;
  for (;;) {
    if (options.signal?.aborted) {
      throw createStateError("state.lock-aborted", `Stopped waiting for the state lock ${lockPath}.`);
    }
    if (await tryCreateLock(lockPath, info)) return { takenOver: undefined };
    const holder = await readLockInfo(lockPath);
    if (holder === null) continue; // released between our attempt and the read: try again at once
    let claimedByOther: HolderVerdict | undefined;
    if (holder !== "unreadable") {
      const verdict = await readHolderVerdict(holder, env);
      if (verdict.gone) {
        const outcome = await tryTakeOverLock(lockPath, holder, info);
        if (outcome === "taken") return { takenOver: { holder, verdict } };
        if (outcome === "changed") continue;
        claimedByOther = verdict;
      }
    }
    const waited = options.now() - started;
    const limit =
      claimedByOther === undefined ? options.timeoutMs : Math.max(options.timeoutMs, TAKEOVER_GRACE_MS);
    if (waited >= limit) {
      if (claimedByOther !== undefined && holder !== "unreadable") {
        throw createInterruptedTakeoverError(lockPath, holder, claimedByOther);
      }
      throw createLockedError(lockPath, holder, waited);
    }
    await sleep(Math.min(delay, limit - waited), options.signal);
    delay = Math.min(delay * 2, 1000);
  }
}

/** Removes the lock only if it is still ours; true when removed. */
export async function releaseLock(lockPath: string, lockId: string): Promise<boolean> {
  const holder = await readLockInfo(lockPath);
  if (holder === null || holder === "unreadable" || holder.id !== lockId) return false;
  await writeChecked(lockPath, async () => {
    await unlink(lockPath);
    await syncDirectory(dirname(lockPath));
  });
  return true;
}

/** What force-unlock removed: the holder, and whether it was still running on this host. */
export interface ForceUnlockResult {
  holder: LockInfo;
  verdict: HolderVerdict;
}

/**
 * Removes the lock with exactly this id. A holder still running on this host is refused
 * (state.lock-alive) unless `force`: removing its lock could let two runs place the same orders.
 */
export async function forceUnlockFile(
  lockPath: string,
  lockId: string,
  env: LockEnvironment,
  options: { force: boolean },
): Promise<ForceUnlockResult> {
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
  const verdict = await readHolderVerdict(holder, env);
  if (verdict.kind === "alive" && !options.force) {
    throw createStateError(
      "state.lock-alive",
      `The lock ${lockId} is held by ${renderLockHolder(holder)}, and ${renderVerdict(holder, verdict)}. It was not removed: with its lock gone, another run could place the orders it is placing.`,
      {
        hint: `Wait for that run to finish, or stop it (the next run then takes its lock over). Only if you are sure it no longer writes this state: orderform force-unlock --force ${lockId}`,
      },
    );
  }
  await writeChecked(lockPath, async () => {
    await unlink(lockPath);
    await unlink(createTakeoverMarkerPath(lockPath, lockId)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    await syncDirectory(dirname(lockPath));
  });
  return { holder, verdict };
}
