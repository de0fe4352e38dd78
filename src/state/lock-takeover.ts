/**
 * Taking over the lock of a holder that is provably gone from this host (docs/state.md, "Lock
 * takeover"). Two runs that see the same dead holder must not both take over, so the takeover is
 * claimed first with a hard link of the lock file to `P.lock.taken-<holder id>`:
 *
 *   1. link(P.lock, marker): only one run can create the marker (EEXIST for the others). The marker
 *      is a second name of whatever inode P.lock named at that instant;
 *   2. read the marker: if it is not the dead holder's record, P.lock changed since we looked (the
 *      lock was taken meanwhile): remove our marker and start over;
 *   3. write our record to a temp file, fsync, rename it over P.lock (atomic), fsync the folder;
 *   4. read P.lock back: it must be ours; then remove the marker.
 *
 * Between 2 and 3 nobody else can replace P.lock: a new run's link() fails while P.lock exists, and
 * another taker needs the marker. The one exception is a human removing P.lock by hand (or
 * force-unlock) in that instant, and another run creating a fresh lock that step 3 replaces; that
 * run's fencing (state.lock-lost) then stops it at its next journal record.
 *
 * A run killed between 1 and 3 leaves the marker and the dead holder's lock: later runs then wait,
 * and fail with state.lock-stale naming `orderform force-unlock ID`, which removes both.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { LockInfo } from "./types.js";
import { FILE_MODE, syncDirectory } from "./atomic-file.js";
import { createWriteFailedError, writeChecked } from "./errors.js";
import type { LockEnvironment } from "./lock-record.js";
import { parseLockText, readLockInfo, renderLockText } from "./lock-record.js";

export type HolderVerdict =
  | { gone: true; kind: "exited" }
  | { gone: true; kind: "recycled"; currentStartTime: string }
  | { gone: false; kind: "alive" }
  | { gone: false; kind: "other-host" }
  | { gone: false; kind: "other-namespace" };

export function createTakeoverMarkerPath(lockPath: string, holderId: string): string {
  return `${lockPath}.taken-${holderId}`;
}

/** Whether the holder is provably gone: same host, and its pid is not running or is another process. */
export async function readHolderVerdict(holder: LockInfo, env: LockEnvironment): Promise<HolderVerdict> {
  if (holder.host !== env.host) return { gone: false, kind: "other-host" };
  if (
    holder.pidNamespace !== undefined &&
    env.pidNamespace !== undefined &&
    holder.pidNamespace !== env.pidNamespace
  ) {
    return { gone: false, kind: "other-namespace" };
  }
  const status = await env.readProcessStatus(holder.pid);
  if (!status.alive) return { gone: true, kind: "exited" };
  if (
    holder.startTime !== undefined &&
    status.startTime !== undefined &&
    status.startTime !== holder.startTime
  ) {
    return { gone: true, kind: "recycled", currentStartTime: status.startTime };
  }
  return { gone: false, kind: "alive" };
}

/** A clause describing the verdict, e.g. "process 123 is no longer running on build-host". */
export function renderVerdict(holder: LockInfo, verdict: HolderVerdict): string {
  switch (verdict.kind) {
    case "exited":
      return `process ${holder.pid} is no longer running on ${holder.host}`;
    case "recycled":
      return `process ${holder.pid} on ${holder.host} is another process now (it started at ${verdict.currentStartTime}, the lock's holder at ${holder.startTime ?? "?"})`;
    case "alive":
      return `process ${holder.pid} is still running on ${holder.host}`;
    case "other-host":
      return `it runs on another host (${holder.host}), where this run cannot check it`;
    case "other-namespace":
      return `it runs in another pid namespace (${holder.pidNamespace ?? "?"}, e.g. another container) on ${holder.host}, where this run cannot check it`;
  }
}

async function readMarker(marker: string): Promise<LockInfo | "unreadable"> {
  try {
    return parseLockText(await readFile(marker, "utf8"));
  } catch {
    return "unreadable";
  }
}

async function writeLockTemp(lockPath: string, info: LockInfo): Promise<string> {
  const temp = join(
    dirname(lockPath),
    `${basename(lockPath)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  const handle = await open(temp, "wx", FILE_MODE);
  try {
    await handle.writeFile(renderLockText(info), "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * Replaces the lock of `holder` (provably gone) with `info`. "taken": the lock is ours;
 * "claimed": another run holds the takeover marker; "changed": P.lock is no longer the holder's.
 */
export async function tryTakeOverLock(
  lockPath: string,
  holder: LockInfo,
  info: LockInfo,
): Promise<"taken" | "claimed" | "changed"> {
  const marker = createTakeoverMarkerPath(lockPath, holder.id);
  try {
    await link(lockPath, marker);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "claimed";
    if (code === "ENOENT") return "changed";
    throw createWriteFailedError(marker, error);
  }
  let replaced = false;
  try {
    const captured = await readMarker(marker);
    if (captured === "unreadable" || captured.id !== holder.id) return "changed";
    await writeChecked(lockPath, async () => {
      const temp = await writeLockTemp(lockPath, info);
      try {
        await rename(temp, lockPath);
        replaced = true;
      } finally {
        if (!replaced) await unlink(temp).catch(() => undefined);
      }
      await syncDirectory(dirname(lockPath));
    });
    const now = await readLockInfo(lockPath);
    return now !== null && now !== "unreadable" && now.id === info.id ? "taken" : "changed";
  } finally {
    // A marker left behind (this unlink failed) is harmless: it names a holder that no longer holds P.lock.
    await unlink(marker).catch(() => undefined);
  }
}
