/**
 * The contract between the shared-state session (./remote-store.ts) and one kind of shared store
 * (Azure Blob Storage: ./azblob-driver.ts; PostgreSQL: ./pg-driver.ts). docs/backends.md describes
 * the semantics in full; in short:
 *
 * - One state per name. Its snapshot is replaced only by compare-and-swap on the token the
 *   session read (blob ETag with If-Match; `UPDATE ... WHERE serial = $old`). History versions are
 *   created once and never overwritten (If-None-Match: *; INSERT on a primary key).
 * - The lock is a lease that expires by itself when its holder dies or stalls (a blob lease
 *   renewed by a heartbeat; a session-level advisory lock on a dedicated connection whose session
 *   the server ends when it goes silent). Holder info is stored beside it for "locked by".
 * - Fencing: every journal append and the commit carry the lease (the lease id; the locking
 *   session), so a run that lost its lease can neither record an intent (and therefore cannot
 *   send a create) nor commit. It gets `state.lock-lost`.
 * - A journal append is one round trip (several records at once: one round trip, or one per
 *   block of the store's request limit), and durable in the store when it resolves.
 *
 * Every failure is an OrderformError with a `state.*` code (src/state/errors.ts) whose message
 * names the store (never a secret) and, where there is one, the remedy. Drivers do no folding,
 * planning or validation of states beyond parsing what they read; the session does that.
 */
import type { StateFile } from "../../core/model.js";
import type { JournalHeader } from "../journal.js";
import type { DamagedHistoryFile, HistoryEntry, JournalEntry, LockInfo } from "../types.js";

export interface RemoteSnapshot {
  state: StateFile;
  /** The compare-and-swap token of this snapshot (an ETag; the serial as text). */
  token: string;
}

export interface RemoteJournal {
  /** The header written with the first record of the run that left it; null when empty. */
  header: JournalHeader | null;
  /** The records in the order they were appended. */
  entries: JournalEntry[];
}

export interface RemoteLockHolder {
  info: LockInfo;
  /** When the lease runs out unless renewed (ISO time), when the store can tell. */
  expires?: string;
}

export interface RemoteStateDriver {
  /** For messages: the backend, where, and the state's name; never a secret. */
  readonly description: string;
  /** Reads the snapshot; null when this name has none yet. */
  readSnapshot(): Promise<RemoteSnapshot | null>;
  /** Reads the journal left in the store (by a run that holds the lock, or one that died). */
  readJournal(): Promise<RemoteJournal>;
  /** Every history version's meta, ascending by serial; unreadable versions are listed as damaged. */
  readHistoryListing(): Promise<{ entries: HistoryEntry[]; damaged: DamagedHistoryFile[] }>;
  /** One history version's state; `state.version-not-found` when there is none. */
  readHistoryVersion(serial: number): Promise<StateFile>;
  /** The current holder of the lock, or null when the lock is free (or its lease ran out). */
  readLockHolder(): Promise<RemoteLockHolder | null>;
  /**
   * Takes the lock for `info.id`, waiting up to `timeoutMs` (polling with backoff; `signal` stops
   * the wait with `state.lock-aborted`). A lock whose lease ran out is free. Fails with
   * `state.locked` naming the holder (renderLockHolder) and when its lease runs out.
   */
  acquireLock(info: LockInfo, options: { timeoutMs: number; signal?: AbortSignal }): Promise<RemoteLock>;
  /**
   * Breaks the lock if its id is `lockId` (`state.lock-not-found` otherwise, naming the current
   * holder), so that its holder is fenced out: its next append or commit fails. Returns the holder.
   */
  breakLock(lockId: string): Promise<LockInfo>;
  /** Closes connections the driver keeps for reads. */
  close(): Promise<void>;
}

/** The lock held by this run. Appends and commits fail with `state.lock-lost` once it is lost. */
export interface RemoteLock {
  /**
   * Appends `entries` in their order, fenced by the lease, durable when it resolves: one round trip
   * for one record (apply's appends) and for a batch up to the store's request limit (pg: one
   * statement for all; azblob: one append block per 4 MiB, a record never split). `header` is given
   * with the first records after the lock was taken or after a commit (the store may keep it once
   * per journal); records after a commit start a new journal. A failure may leave a leading part of
   * the entries durable, whole records in order (azblob: the blocks before the failed one), which
   * the next run folds in as it folds any journal left behind (docs/backends.md); pg writes all or
   * none. An empty `entries` is a caller's bug.
   */
  appendJournal(entries: readonly JournalEntry[], header: JournalHeader | undefined): Promise<void>;
  /**
   * Fenced compare-and-swap commit: if the snapshot's token is still `expectedToken` (null: no
   * snapshot yet), write history version `meta.serial` (create-only: `state.history-exists` if it
   * exists) and the snapshot `next`, and empty the journal. Atomic, or ordered so that a failure at
   * any point leaves the previous snapshot and the journal as they were, or the new snapshot with
   * its history version (see docs/backends.md). `state.serial-moved` when the token moved.
   * Returns the new snapshot's token.
   */
  commit(next: StateFile, meta: HistoryEntry, expectedToken: string | null): Promise<string>;
  /** Set once the lease is known to be lost (a failed renewal): why. */
  readonly lost: Error | undefined;
  /**
   * Stops renewing the lease without releasing it, as if the holder had died: the lease then runs
   * out by itself. For tests of expiry and fencing; a run never calls it.
   */
  suspendRenewal(): void;
  /** Stops renewing and releases the lease (a no-op when already lost). */
  release(): Promise<void>;
}
