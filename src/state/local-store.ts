/**
 * The local file backend (`state.backend: local`). Files next to the state path P:
 *   P            the snapshot (JSON, schemas/state.schema.json), replaced atomically on commit
 *   P.journal    records appended by the run holding the lock (./journal.ts)
 *   P.lock       the lock (./lock.ts)
 *   P.history/   every committed version (./history.ts)
 * Files are created with mode 0600 and folders with 0700.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile, stat, unlink } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { OrderformError } from "../core/errors.js";
import type { StateFile } from "../core/model.js";
import {
  copyStateMaps,
  countJournalEntries,
  createEmptyState,
  foldJournal,
  foldJournalEntryInPlace,
} from "../core/state-journal.js";
import type { HistoryEntry, JournalEntry, LockInfo, StateSession, StateStore, VersionMeta } from "./types.js";
import {
  ensureDirectory,
  isNotFound,
  readFileIfExists,
  syncDirectory,
  writeFileAtomic,
} from "./atomic-file.js";
import { createStateError } from "./errors.js";
import {
  createHistoryFileName,
  listHistoryEntries,
  listHistorySerials,
  readHistoryMeta,
  readHistoryVersion,
  writeHistoryVersion,
} from "./history.js";
import { JournalWriter, parseJournalText, renderJournalHeader } from "./journal.js";
import type { ParsedJournal } from "./journal.js";
import { acquireLock, checkProcessAlive, forceUnlockFile, releaseLock } from "./lock.js";
import { assertValidState, isJournalEntry, parseStateText } from "./validate-state.js";

export interface LocalStateStoreOptions {
  /** Project root: relative state paths resolve here, and `git rev-parse HEAD` runs here. */
  rootDir: string;
  /** The snapshot path P (default in config: orderform.state.json). */
  path: string;
  now?: () => Date;
  /** Commit of the project for history entries; undefined when not a git repository. */
  readGitCommit?: () => Promise<string | undefined>;
  user?: string;
  host?: string;
  pid?: number;
  isProcessAlive?: (pid: number) => boolean;
}

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
interface SnapshotFingerprint {
  exists: boolean;
  ino: number;
  size: number;
  mtimeMs: number;
}

const ABSENT: SnapshotFingerprint = { exists: false, ino: 0, size: 0, mtimeMs: 0 };

async function readFingerprint(file: string): Promise<SnapshotFingerprint> {
  try {
    const info = await stat(file);
    return { exists: true, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (isNotFound(error)) return ABSENT;
    throw error;
  }
}

function isSameFingerprint(a: SnapshotFingerprint, b: SnapshotFingerprint): boolean {
  return a.exists === b.exists && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Reads and validates the snapshot at `file`; null when it does not exist. */
export async function readStateFile(file: string, hint?: string): Promise<StateFile | null> {
  const text = await readFileIfExists(file);
  if (text === null) return null;
  return parseStateText(text, file, hint);
}

/** `git rev-parse HEAD` in dir; undefined when git is missing or dir is not a repository. */
export function readGitHead(dir: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    execFile(
      "git",
      ["rev-parse", "HEAD"],
      { cwd: dir, timeout: 5000, windowsHide: true },
      (error, stdout) => {
        const head = stdout.trim();
        resolvePromise(error === null && /^[0-9a-f]{40,64}$/.test(head) ? head : undefined);
      },
    );
  });
}

function readUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

function renderRecoverySummary(entries: readonly JournalEntry[], header: ParsedJournal["header"]): string {
  const counts = countJournalEntries(entries);
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([type, count]) => `${count} ${type}`);
  const base = header === null ? "" : ` on top of serial ${header.baseSerial}`;
  return `recovered ${entries.length} journal record(s) left by an interrupted run${base}: ${parts.join(", ")}`;
}

export function createLocalStateStore(options: LocalStateStoreOptions): StateStore {
  const paths = createStatePaths(options.rootDir, options.path);
  const now = options.now ?? (() => new Date());
  const user = options.user ?? readUserName();
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const isProcessAlive = options.isProcessAlive ?? checkProcessAlive;
  const readGitCommit = options.readGitCommit ?? (() => readGitHead(options.rootDir));

  async function createCorruptHint(): Promise<string> {
    const serials = await listHistorySerials(paths.history).catch(() => []);
    const last = serials[serials.length - 1];
    if (last === undefined) return `There is no history folder ${paths.history} to restore from.`;
    const file = join(paths.history, createHistoryFileName(last));
    return `The last good version is serial ${last} in ${file}; its "state" member is a complete state file (e.g. \`jq .state ${file} > ${paths.state}\`).`;
  }

  async function readSnapshot(): Promise<StateFile | null> {
    const text = await readFileIfExists(paths.state);
    if (text === null) return null;
    try {
      return parseStateText(text, paths.state);
    } catch (error) {
      // Only build the hint (a directory listing) on the failure path.
      if (!(error instanceof OrderformError)) throw error;
      throw new OrderformError(error.code, error.message, { hint: await createCorruptHint(), cause: error });
    }
  }

  async function readJournal(): Promise<ParsedJournal | null> {
    const text = await readFileIfExists(paths.journal);
    if (text === null) return null;
    return parseJournalText(text, paths.journal);
  }

  /**
   * The state a session or read starts from. Without a snapshot, history left by earlier versions
   * means the state file was deleted or moved: starting a new lineage would reuse their serials,
   * so it is refused, except in the one window where it is expected (a first commit killed after
   * writing history version 1 and before renaming the snapshot; its journal is still there).
   */
  async function readBase(snapshot: StateFile | null, journal: ParsedJournal | null): Promise<StateFile> {
    const header = journal?.header ?? null;
    if (snapshot !== null) {
      if (header !== null && header.lineage !== snapshot.lineage) {
        throw createStateError(
          "state.lineage-mismatch",
          `Journal ${paths.journal} belongs to state lineage ${header.lineage}, but ${paths.state} has lineage ${snapshot.lineage}.`,
          {
            hint: `The state file was replaced while a run was interrupted. Keep a copy of the journal (it records orders placed), then restore the matching state file from ${paths.history}.`,
          },
        );
      }
      return snapshot;
    }
    const serials = await listHistorySerials(paths.history);
    const last = serials[serials.length - 1];
    if (last !== undefined) {
      const meta = await readHistoryMeta(join(paths.history, createHistoryFileName(last)));
      const isFirstCommitCrash =
        header !== null && header.lineage === meta.lineage && header.baseSerial === 0 && last === 1;
      if (!isFirstCommitCrash) {
        throw createStateError(
          "state.missing",
          `State file ${paths.state} does not exist, but ${paths.history} holds ${serials.length} version(s) up to serial ${last} (lineage ${meta.lineage}).`,
          {
            hint: `Restore the last version: its "state" member is a complete state file (e.g. \`jq .state ${join(paths.history, createHistoryFileName(last))} > ${paths.state}\`). To start a new state instead, move ${paths.history} away first.`,
          },
        );
      }
    }
    return createEmptyState(header?.lineage ?? randomUUID());
  }

  async function read(): Promise<StateFile | null> {
    const snapshot = await readSnapshot();
    const journal = await readJournal();
    if (snapshot === null && (journal === null || journal.entries.length === 0)) {
      await readBase(null, null); // throws when history says the state file went missing
      return null;
    }
    const base = await readBase(snapshot, journal);
    return journal === null || journal.entries.length === 0 ? base : foldJournal(base, journal.entries);
  }

  async function open(
    operation: string,
    openOptions: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<StateSession> {
    await ensureDirectory(dirname(paths.state));
    const lock: LockInfo = {
      id: randomUUID(),
      owner: user,
      host,
      pid,
      started: now().toISOString(),
      operation,
    };
    await acquireLock(
      paths.lock,
      lock,
      { host, isProcessAlive },
      // The wait runs on the monotonic clock, not the injected `now` (which only stamps records).
      { timeoutMs: openOptions.timeoutMs, signal: openOptions.signal, now: () => performance.now() },
    );
    let session: LocalSession | undefined;
    try {
      const fingerprint = await readFingerprint(paths.state);
      const snapshot = await readSnapshot();
      const journal = await readJournal();
      const base = await readBase(snapshot, journal);
      session = new LocalSession({ paths, lock, state: base, fingerprint, now, user, host, readGitCommit });
      if (journal !== null && journal.entries.length > 0) {
        await session.recover(journal.entries, renderRecoverySummary(journal.entries, journal.header));
      } else if (journal !== null) {
        // Only a header or a torn first record: nothing was acknowledged.
        await unlink(paths.journal);
        await syncDirectory(dirname(paths.journal));
      }
      return session;
    } catch (error) {
      if (session !== undefined) await session.release();
      else await releaseLock(paths.lock, lock.id);
      throw error;
    }
  }

  return {
    read,
    open,
    forceUnlock: (lockId) => forceUnlockFile(paths.lock, lockId),
    listHistory: () => listHistoryEntries(paths.history),
    readVersion: (serial) => readHistoryVersion(paths.history, serial),
  };
}

interface SessionInit {
  paths: StatePaths;
  lock: LockInfo;
  state: StateFile;
  fingerprint: SnapshotFingerprint;
  now: () => Date;
  user: string;
  host: string;
  readGitCommit: () => Promise<string | undefined>;
}

class LocalSession implements StateSession {
  readonly lock: LockInfo;
  private readonly init: SessionInit;
  /** Owned by the session and folded into in place (O(1) per record); never handed out. */
  private working: StateFile;
  /** A copy handed out by current(), rebuilt lazily after the next change. */
  private snapshot: StateFile | undefined;
  private fingerprint: SnapshotFingerprint;
  /** Serial and lineage of the snapshot on disk when opened or last committed. */
  private baseSerial: number;
  private journal: JournalWriter | undefined;
  /** Records appended since open or the last commit (they are in the journal, not the snapshot). */
  private uncommitted = 0;
  private closed = false;
  /** Serializes appends, commit and release: the applier appends from concurrent tasks. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(init: SessionInit) {
    this.init = init;
    this.lock = init.lock;
    this.working = init.state;
    this.fingerprint = init.fingerprint;
    this.baseSerial = init.state.serial;
  }

  current(): StateFile {
    this.snapshot ??= Object.freeze(copyStateMaps(this.working));
    return this.snapshot;
  }

  append(entry: JournalEntry): Promise<void> {
    return this.enqueue(async () => {
      this.assertOpen("append");
      if (!isJournalEntry(entry)) throw new Error(`invalid journal entry: ${JSON.stringify(entry)}`);
      this.journal ??= await JournalWriter.open(this.init.paths.journal);
      const header = this.uncommitted === 0 ? renderJournalHeader(this.working.lineage, this.baseSerial) : "";
      await this.journal.append(`${header}${JSON.stringify(entry)}\n`);
      foldJournalEntryInPlace(this.working, entry);
      this.snapshot = undefined;
      this.uncommitted += 1;
    });
  }

  commit(meta: VersionMeta): Promise<StateFile> {
    return this.enqueue(async () => {
      this.assertOpen("commit");
      if (this.uncommitted === 0) return this.current();
      await this.writeVersion(meta);
      return this.current();
    });
  }

  /** Folds a leftover journal and commits it as a "recover" version; its file is reused by this session. */
  async recover(entries: readonly JournalEntry[], summary: string): Promise<void> {
    for (const entry of entries) foldJournalEntryInPlace(this.working, entry);
    this.snapshot = undefined;
    this.uncommitted = entries.length;
    this.journal = await JournalWriter.open(this.init.paths.journal);
    await this.writeVersion({ command: "recover", summary });
  }

  release(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.journal !== undefined) {
        const empty = (await this.journal.size()) === 0;
        await this.journal.close();
        this.journal = undefined;
        if (empty) await unlink(this.init.paths.journal).catch(() => undefined);
      }
      await releaseLock(this.init.paths.lock, this.lock.id);
    });
  }

  private async writeVersion(meta: VersionMeta): Promise<void> {
    const { paths } = this.init;
    await this.assertSerialUnmoved();
    const serial = this.baseSerial + 1;
    const next: StateFile = { ...this.working, serial };
    assertValidState(next);
    const gitCommit = await this.init.readGitCommit();
    const entry: HistoryEntry = {
      serial,
      lineage: next.lineage,
      time: this.init.now().toISOString(),
      command: meta.command,
      user: this.init.user,
      host: this.init.host,
      ...(gitCommit === undefined ? {} : { gitCommit }),
      summary: meta.summary,
    };
    // History first: whenever the snapshot is at serial N, history already holds N, so a later
    // corrupt snapshot can always be restored from history.
    await writeHistoryVersion(paths.history, entry, next);
    await writeFileAtomic(paths.state, `${JSON.stringify(next, null, 2)}\n`);
    this.fingerprint = await readFingerprint(paths.state);
    this.working.serial = serial;
    this.baseSerial = serial;
    this.snapshot = undefined;
    // A kill before this truncate leaves records already in the snapshot; replaying them is a no-op.
    await this.journal?.truncate();
    this.uncommitted = 0;
  }

  private async assertSerialUnmoved(): Promise<void> {
    const { paths } = this.init;
    const seen = await readFingerprint(paths.state);
    if (isSameFingerprint(seen, this.fingerprint)) return;
    let onDisk: { serial?: unknown; lineage?: unknown } | null = null;
    try {
      onDisk = seen.exists ? (JSON.parse(await readFile(paths.state, "utf8")) as typeof onDisk) : null;
    } catch {
      onDisk = { serial: "unreadable" };
    }
    if (onDisk !== null && onDisk.serial === this.baseSerial && onDisk.lineage === this.working.lineage) {
      this.fingerprint = seen; // touched but not changed (e.g. copied back in place)
      return;
    }
    const found =
      onDisk === null
        ? "no longer exists"
        : `is now at serial ${String(onDisk.serial)} (lineage ${String(onDisk.lineage)})`;
    throw createStateError(
      "state.serial-moved",
      `State file ${paths.state} ${found}; this run opened it at serial ${this.baseSerial}. Another writer changed it while this run held the lock ${this.lock.id}, so it was not overwritten.`,
      {
        hint: `This run's ${this.uncommitted} record(s) stay in ${paths.journal}; the next run folds them in. Check that no other orderform run or tool writes this state (was the lock force-unlocked while this run was alive?).`,
      },
    );
  }

  private assertOpen(operation: string): void {
    if (this.closed)
      throw createStateError("state.session-closed", `State session already released; cannot ${operation}.`);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
