/**
 * The files of the local backend next to the state path P (see docs/state.md):
 *   P                         the snapshot (JSON, schemas/state.schema.json), replaced atomically on commit
 *   P.journal                 records appended by the run holding the lock (./journal.ts)
 *   P.journal.orphan-<id>     order records a run could not append (./orphan.ts)
 *   P.lock                    the lock (./lock.ts); P.lock.taken-<id> while it is taken over
 *   P.history/                every committed version, each file created once (./history.ts)
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { isNotFound } from "./atomic-file.js";
import { createReadFailedError } from "./errors.js";

export interface StatePaths {
  state: string;
  journal: string;
  lock: string;
  history: string;
}

export function createStatePaths(rootDir: string, path: string): StatePaths {
  const state = resolve(rootDir, path);
  return { state, journal: `${state}.journal`, lock: `${state}.lock`, history: `${state}.history` };
}

/** Identity of the snapshot file as last seen; a commit by anyone replaces the file (new inode). */
export interface SnapshotFingerprint {
  exists: boolean;
  ino: number;
  size: number;
  mtimeMs: number;
}

const ABSENT: SnapshotFingerprint = { exists: false, ino: 0, size: 0, mtimeMs: 0 };

export async function readFingerprint(file: string): Promise<SnapshotFingerprint> {
  try {
    const info = await stat(file);
    return { exists: true, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (isNotFound(error)) return ABSENT;
    throw createReadFailedError(file, error);
  }
}

export function isSameFingerprint(a: SnapshotFingerprint, b: SnapshotFingerprint): boolean {
  return a.exists === b.exists && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
