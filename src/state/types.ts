/**
 * The StateStore contract (see docs/state.md). Implementation for `backend: local`:
 * ./local-store.ts. Remote backends (PostgreSQL, Azure Blob) implement the same interface.
 */
import type { StateFile } from "../core/model.js";
// A version's history meta is schemas/state.schema.json's historyMeta (docs/schemas.md).
import type { HistoryMeta } from "../generated/state-types.js";

// JournalEntry lives in the pure core (src/core/state-journal.ts folds it); re-exported here as part of the contract.
export type { JournalEntry } from "../core/state-journal.js";
import type { JournalEntry } from "../core/state-journal.js";

export interface LockInfo {
  id: string;
  owner: string; // user name
  host: string;
  pid: number;
  /**
   * The holder's process start identity (./process-identity.ts), so that a recycled pid is not
   * mistaken for the holder; absent when unknown (then a live pid is never proved gone).
   */
  startTime?: string;
  /** The holder's pid namespace (./process-identity.ts); a holder in another one is not checked. */
  pidNamespace?: string;
  started: string; // ISO time
  operation: string; // "apply", "plan", "state rm", ...
  /** The CI run holding the lock, when the environment tells it (./ci-run.ts). */
  ci?: string;
}

export interface VersionMeta {
  command: string; // e.g. "apply", "state rm contoso/x"
  summary: string; // e.g. "2 created, 1 failed"
  /** Whether the order files had uncommitted changes when the command ran (recorded by apply). */
  ordersWorktree?: HistoryMeta["ordersWorktree"];
}

export type HistoryEntry = HistoryMeta;

/** A run holding the lock: journal appends and one commit at the end. */
export interface StateSession {
  readonly lock: LockInfo;
  /** The state with every journal entry so far folded in. */
  current(): StateFile;
  /** Appends and fsyncs one record before returning: after it resolves, the record survives a kill. */
  append(entry: JournalEntry): Promise<void>;
  /**
   * Appends records whose loss costs nothing (no order was sent for them: `generate`'s imports) in
   * as few writes as the backend allows (local: one write, one fsync). After it resolves they all
   * survive a kill; a kill during it keeps a prefix of them. Unlike append, records caught by a
   * lost lock are not copied to an orphan journal: rerunning the command records them again.
   */
  appendAll(entries: readonly JournalEntry[]): Promise<void>;
  /**
   * Folds the journal into a new snapshot (serial + 1, written atomically, kept in history) and
   * clears the journal. Refuses when the serial on disk moved under us. A no-op when nothing changed.
   */
  commit(meta: VersionMeta): Promise<StateFile>;
  /** Releases the lock (after commit, or leaving the journal for the next run). */
  release(): Promise<void>;
}

export interface StateStore {
  /** The current state with any leftover journal folded in (in memory only); null when none exists. */
  read(): Promise<StateFile | null>;
  /**
   * Takes the write lock, waiting up to timeoutMs. A lock whose holder is provably gone from this
   * host is taken over (and the takeover recorded as a state version). A leftover journal from a
   * killed run is folded and committed first.
   */
  open(operation: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<StateSession>;
  /**
   * Removes the lock with this id. Refuses (state.lock-alive) when its holder still runs on this
   * host, unless `force`; `running` says whether it did (then that run is fenced out: state.lock-lost).
   */
  forceUnlock(
    lockId: string,
    options?: { force?: boolean },
  ): Promise<{ holder: LockInfo; running: boolean; checked: boolean }>;
  /** Every readable version; damaged history files are skipped (readHistoryListing reports them). */
  listHistory(): Promise<HistoryEntry[]>;
  readHistoryListing(): Promise<{ entries: HistoryEntry[]; damaged: DamagedHistoryFile[] }>;
  readVersion(serial: number): Promise<StateFile>;
  /**
   * Writes versions copied from another store (`state migrate`), keeping lineage and serials,
   * under this store's lock: history versions created once, then the snapshot as the last one.
   * Refuses a store that holds another lineage (state.migrate-other-lineage), or the same lineage
   * at a version that is not the copied one (state.migrate-diverged); versions it already holds
   * are skipped. Returns how many versions were written.
   */
  importVersions(versions: readonly ImportedVersion[], lockTimeoutMs: number): Promise<number>;
}

/** One version copied by `state migrate`: its history meta and its state. */
export interface ImportedVersion {
  meta: HistoryEntry;
  state: StateFile;
}

/** A history file whose meta could not be read (unparsable, or not in the layout orderform writes). */
export interface DamagedHistoryFile {
  serial: number;
  file: string;
  problem: string;
}
