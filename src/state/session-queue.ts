/**
 * What the local and the shared-state sessions (./local-session.ts, ./remote/remote-session.ts)
 * do alike: one operation at a time, and none after release; and the history entry of a version.
 */
import type { HistoryEntry, VersionMeta } from "./types.js";
import { createStateError } from "./errors.js";

/**
 * Serializes a session's appends, commits and release (the applier appends from concurrent tasks):
 * each operation starts after every one queued before it has settled, failed or not.
 */
export class SessionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private released = false;

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** state.session-closed once the session has been released. */
  assertOpen(operation: string): void {
    if (this.released)
      throw createStateError("state.session-closed", `State session already released; cannot ${operation}.`);
  }

  /** Marks the session released; false when it already was (release is idempotent). */
  markReleased(): boolean {
    if (this.released) return false;
    this.released = true;
    return true;
  }
}

/** Who writes a version, and when. */
export interface VersionAuthor {
  now: () => Date;
  user: string;
  host: string;
}

/** The history entry of version `serial` of `lineage`, written by `author` for `meta`. */
export function createHistoryEntry(
  author: VersionAuthor,
  version: { serial: number; lineage: string },
  meta: VersionMeta,
  gitCommit: string | undefined,
): HistoryEntry {
  return {
    serial: version.serial,
    lineage: version.lineage,
    time: author.now().toISOString(),
    command: meta.command,
    user: author.user,
    host: author.host,
    ...(gitCommit === undefined ? {} : { gitCommit }),
    ...(meta.ordersWorktree === undefined ? {} : { ordersWorktree: meta.ordersWorktree }),
    summary: meta.summary,
  };
}
