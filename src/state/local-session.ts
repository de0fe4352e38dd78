/**
 * The session of the local backend: the run holding `P.lock` appends records to `P.journal` and
 * commits new versions (history first, then the snapshot). See docs/state.md.
 *
 * Fencing: before and after each journal append, and before a commit, the session reads `P.lock`
 * and checks that it still holds this session's lock id. When it does not (the lock was removed by
 * force-unlock, or taken over), the session fails with state.lock-lost: an intent is refused (the
 * applier then sends no order for it), and an order record (created, failed: an order already bought
 * or refused) is saved to an orphan journal (./orphan.ts) that the next locked run folds in.
 *
 * Known limit (the check-then-append window): the lock can be lost between the check and the
 * append. The check after the append catches that case: an order record is then saved to the orphan
 * journal as well (folding it twice is harmless), and an intent's order is not sent. What remains is
 * that a record appended in that window lands in the journal of the run that took the lock; if that
 * run has emptied the journal meanwhile, the record is the journal's first line, without a header,
 * and the next open reports the journal as corrupt instead of silently dropping it.
 */
import { readFile } from "node:fs/promises";
import type { StateFile } from "../core/model.js";
import { copyStateMaps, foldJournalEntryInPlace } from "../core/state-journal.js";
import { selectSeatChangesMeta } from "../core/seat-changes.js";
import type { JournalEntry, LockInfo, StateSession, VersionMeta } from "./types.js";
import { removeEmptyFile, writeFileAtomic } from "./atomic-file.js";
import { createStateError, createWriteFailedError } from "./errors.js";
import { writeHistoryVersion } from "./history.js";
import { JournalWriter, renderJournalHeader } from "./journal.js";
import { releaseLock } from "./lock.js";
import { readLockInfo, renderLockHolder } from "./lock-record.js";
import { createOrphanPath, removeOrphanJournals, writeOrphanRecord } from "./orphan.js";
import { OrderformError } from "../core/errors.js";
import {
  appendConsequence,
  capitalize,
  describeEntry,
  isOrderRecord,
  renderRequestId,
  type OrderRecord,
} from "./session-messages.js";
import { assertJournalEntries, assertValidState } from "./validate-state.js";
import { SessionQueue, createHistoryEntry } from "./session-queue.js";
import { isSameFingerprint, readFingerprint, type SnapshotFingerprint, type StatePaths } from "./paths.js";

export interface SessionInit {
  paths: StatePaths;
  lock: LockInfo;
  state: StateFile;
  fingerprint: SnapshotFingerprint;
  /** The newest serial in history when opened: history files are never overwritten, so commits go above it. */
  historySerial: number;
  now: () => Date;
  user: string;
  host: string;
  readGitCommit: () => Promise<string | undefined>;
}

type LockCheck = { held: true } | { held: false; now: string };

export class LocalSession implements StateSession {
  readonly lock: LockInfo;
  private readonly init: SessionInit;
  /** Owned by the session and folded into in place (O(1) per record); never handed out. */
  private working: StateFile;
  /** A copy handed out by current(), rebuilt lazily after the next change. */
  private snapshot: StateFile | undefined;
  private fingerprint: SnapshotFingerprint;
  /** Serial and lineage of the snapshot on disk when opened or last committed. */
  private baseSerial: number;
  private historySerial: number;
  private journal: JournalWriter | undefined;
  /** Set after a journal write failed: nothing more is appended to it (its last line may be torn). */
  private journalFailure: OrderformError | undefined;
  /** Records appended since open or the last commit (they are in the journal, not the snapshot). */
  private uncommitted = 0;
  /** The state as last committed (maps copied): a version's seat changes are counted against it. */
  private committed: StateFile;
  /** Order records saved to this session's orphan journal instead of the journal. */
  private orphaned = 0;
  /** Orphan journals of earlier runs folded in at open: removed after the next commit. */
  private foldedOrphans: { file: string; size: number }[] = [];
  private readonly queue = new SessionQueue();

  constructor(init: SessionInit) {
    this.init = init;
    this.lock = init.lock;
    this.working = init.state;
    this.committed = copyStateMaps(init.state);
    this.fingerprint = init.fingerprint;
    this.baseSerial = init.state.serial;
    this.historySerial = init.historySerial;
  }

  current(): StateFile {
    this.snapshot ??= Object.freeze(copyStateMaps(this.working));
    return this.snapshot;
  }

  append(entry: JournalEntry): Promise<void> {
    return this.queue.run(async () => {
      this.queue.assertOpen("append");
      assertJournalEntries([entry]);
      const before = await this.checkLock();
      if (!before.held) throw await this.createLockLostError(entry, before, "before");
      if (this.journalFailure !== undefined) {
        throw await this.createAppendFailure(entry, this.journalFailure, "earlier");
      }
      try {
        this.journal ??= await JournalWriter.open(this.init.paths.journal);
        const header =
          this.uncommitted === 0 ? renderJournalHeader(this.working.lineage, this.baseSerial) : "";
        await this.journal.append(`${header}${JSON.stringify(entry)}\n`);
      } catch (error) {
        this.journalFailure = createWriteFailedError(this.init.paths.journal, error);
        throw await this.createAppendFailure(entry, this.journalFailure, "now");
      }
      foldJournalEntryInPlace(this.working, entry);
      this.snapshot = undefined;
      this.uncommitted += 1;
      const after = await this.checkLock();
      if (!after.held) throw await this.createLockLostError(entry, after, "after");
    });
  }

  appendAll(entries: readonly JournalEntry[]): Promise<void> {
    return this.queue.run(async () => {
      this.queue.assertOpen("append");
      if (entries.length === 0) return;
      for (const entry of entries) assertJournalEntries([entry]);
      const { journal, lock } = this.init.paths;
      const lost = (check: Extract<LockCheck, { held: false }>, fate: string) =>
        createStateError(
          "state.lock-lost",
          `This run (lock id ${this.lock.id}) lost the state lock ${lock}: ${check.now}. ${fate}`,
          { hint: "Was the lock force-unlocked while this run was alive? Run the command again." },
        );
      const before = await this.checkLock();
      if (!before.held) throw lost(before, `None of its ${entries.length} record(s) were appended.`);
      if (this.journalFailure !== undefined) throw this.journalFailure;
      try {
        this.journal ??= await JournalWriter.open(journal);
        const header =
          this.uncommitted === 0 ? renderJournalHeader(this.working.lineage, this.baseSerial) : "";
        await this.journal.append(header + entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
      } catch (error) {
        this.journalFailure = createWriteFailedError(journal, error);
        throw this.journalFailure;
      }
      for (const entry of entries) foldJournalEntryInPlace(this.working, entry);
      this.snapshot = undefined;
      this.uncommitted += entries.length;
      const after = await this.checkLock();
      if (!after.held)
        throw lost(
          after,
          `Its ${entries.length} record(s) were appended to ${journal} as the lock was lost; the run that takes the lock folds them in.`,
        );
    });
  }

  commit(meta: VersionMeta): Promise<StateFile> {
    return this.queue.run(async () => {
      this.queue.assertOpen("commit");
      await this.assertCommitAllowed();
      if (this.uncommitted === 0 && this.foldedOrphans.length === 0) return this.current();
      await this.writeVersion(meta);
      return this.current();
    });
  }

  /**
   * Folds records left by an interrupted run (its journal, then orphan journals) and commits them
   * as one version; also commits when there are none (a lock takeover is always recorded).
   */
  async recover(
    entries: readonly JournalEntry[],
    orphanFiles: readonly { file: string; size: number }[],
    meta: VersionMeta,
  ): Promise<void> {
    for (const entry of entries) foldJournalEntryInPlace(this.working, entry);
    this.snapshot = undefined;
    this.uncommitted = entries.length;
    this.foldedOrphans = [...orphanFiles];
    this.journal = await JournalWriter.open(this.init.paths.journal);
    await this.writeVersion(meta);
  }

  release(): Promise<void> {
    return this.queue.run(async () => {
      if (!this.queue.markReleased()) return;
      const held = (await this.checkLock().catch(() => ({ held: false }) as const)).held;
      if (this.journal !== undefined) {
        // Only the lock holder may remove the journal: after a lost lock it is another run's.
        const empty = held && this.journalFailure === undefined && (await this.journal.size()) === 0;
        await this.journal.close().catch(() => undefined);
        this.journal = undefined;
        if (empty) await removeEmptyFile(this.init.paths.journal).catch(() => undefined);
      }
      if (held) await releaseLock(this.init.paths.lock, this.lock.id);
    });
  }

  private async checkLock(): Promise<LockCheck> {
    const holder = await readLockInfo(this.init.paths.lock);
    if (holder !== null && holder !== "unreadable" && holder.id === this.lock.id) return { held: true };
    const now =
      holder === null
        ? `${this.init.paths.lock} no longer exists (removed by force-unlock or by hand), so no run holds the lock now`
        : holder === "unreadable"
          ? `${this.init.paths.lock} now holds no readable lock record`
          : `the lock is now held by ${renderLockHolder(holder)}`;
    return { held: false, now };
  }

  /** Saves an order record to this session's orphan journal; the error when that failed too. */
  private async saveOrphan(entry: JournalEntry): Promise<OrderformError | undefined> {
    try {
      await writeOrphanRecord(
        createOrphanPath(this.init.paths.journal, this.lock.id),
        { lineage: this.working.lineage, baseSerial: this.baseSerial },
        entry,
      );
      this.orphaned += 1;
      return undefined;
    } catch (error) {
      return createWriteFailedError(createOrphanPath(this.init.paths.journal, this.lock.id), error);
    }
  }

  private async describeOrderRecordFate(entry: OrderRecord, where: string): Promise<string> {
    const orphan = createOrphanPath(this.init.paths.journal, this.lock.id);
    const failure = await this.saveOrphan(entry);
    if (failure === undefined) {
      return `It was saved to ${orphan}${where}, which the next run that takes the lock folds in.`;
    }
    return `It could not be saved to ${orphan} either (${failure.message}) Its intent (MS-RequestId ${renderRequestId(entry)}) was recorded before the order was sent, so the next apply resumes it with that request id, or adopts the order from the customer's order list.`;
  }

  private async createLockLostError(
    entry: JournalEntry,
    check: Extract<LockCheck, { held: false }>,
    when: "before" | "after",
  ): Promise<OrderformError> {
    const { journal, lock } = this.init.paths;
    let fate: string;
    if (when === "before") {
      fate = isOrderRecord(entry)
        ? `${describeEntry(entry)} was not appended to ${journal}. ${await this.describeOrderRecordFate(entry, "")}`
        : `${describeEntry(entry)} was not recorded.`;
    } else {
      fate = isOrderRecord(entry)
        ? `${describeEntry(entry)} was appended to ${journal} as the lock was lost. ${await this.describeOrderRecordFate(entry, " as well")}`
        : `${describeEntry(entry)} was appended to ${journal} as the lock was lost.`;
    }
    if (entry.type === "intent") fate += ` The order for ${entry.intent.name} is not sent.`;
    return createStateError(
      "state.lock-lost",
      `This run (lock id ${this.lock.id}) lost the state lock ${lock}: ${check.now}. ${capitalize(fate)} ${this.describeJournalFate(true, "append", when === "after" ? 1 : 0)}`,
      {
        hint: "Was the lock force-unlocked while this run was alive? Run `orderform plan` to see what the state records now; the next run that takes the lock folds in everything this run recorded.",
      },
    );
  }

  /**
   * What became of the records this run appended since its last commit (`excluding` the one being
   * reported). With the lock lost, they are in the journal the next holder folds in when it opens;
   * with the lock held, they stay in the journal (no commit follows a failed write) for the next run.
   */
  private describeJournalFate(lockLost: boolean, context: "append" | "commit", excluding = 0): string {
    const { journal } = this.init.paths;
    const earlier = this.uncommitted - excluding;
    const other = context === "append" ? "other " : "";
    if (earlier <= 0) return `This run had no ${other}records since its last commit.`;
    return lockLost
      ? `The ${earlier} ${other}record(s) this run appended since its last commit were written to ${journal} while it held the lock; the run that takes the lock folds that journal in when it opens.`
      : `The ${earlier} ${other}record(s) this run appended since its last commit stay in ${journal}, and the next run folds them in.`;
  }

  private async createAppendFailure(
    entry: JournalEntry,
    failure: OrderformError,
    when: "now" | "earlier",
  ): Promise<OrderformError> {
    let fate: string;
    if (isOrderRecord(entry)) {
      fate = `${describeEntry(entry)} was not appended. ${await this.describeOrderRecordFate(entry, "")}`;
    } else {
      fate = `${describeEntry(entry)} was not recorded.`;
    }
    if (entry.type === "intent") fate += ` The order for ${entry.intent.name} is not sent.`;
    const base =
      when === "now"
        ? failure.message
        : `An earlier write to ${this.init.paths.journal} failed (${failure.message}), so this run appends nothing more to it.`;
    return new OrderformError(
      failure.code,
      `${base} ${capitalize(fate)} ${this.describeJournalFate(false, "append")}`,
      {
        hint: failure.hint,
        cause: failure,
      },
    );
  }

  /** Fencing before a commit, and no commit after a failed journal write (the state would miss records). */
  private async assertCommitAllowed(): Promise<void> {
    const { paths } = this.init;
    const lockCheck = await this.checkLock();
    if (!lockCheck.held) {
      throw createStateError(
        "state.lock-lost",
        `This run (lock id ${this.lock.id}) lost the state lock ${paths.lock} before its commit: ${lockCheck.now}. It wrote no state version. ${this.describeJournalFate(true, "commit")}${this.orphaned === 0 ? "" : ` ${this.orphaned} order record(s) were saved to ${createOrphanPath(paths.journal, this.lock.id)}, which the next run that takes the lock folds in.`}`,
        {
          hint: "Was the lock force-unlocked while this run was alive? Run `orderform plan` to see what the state records now.",
        },
      );
    }
    if (this.journalFailure !== undefined) {
      throw createStateError(
        "state.write-failed",
        `No state version was written: an earlier write to ${paths.journal} failed (${this.journalFailure.message}) ${this.describeJournalFate(false, "commit")}`,
        { hint: this.journalFailure.hint, cause: this.journalFailure },
      );
    }
  }

  private async writeVersion(meta: VersionMeta): Promise<void> {
    const { paths } = this.init;
    await this.assertCommitAllowed();
    await this.assertSerialUnmoved();
    const serial = Math.max(this.baseSerial, this.historySerial) + 1;
    const next: StateFile = { ...this.working, serial };
    assertValidState(next);
    const gitCommit = await this.init.readGitCommit();
    const entry = {
      ...createHistoryEntry(this.init, { serial, lineage: next.lineage }, meta, gitCommit),
      ...selectSeatChangesMeta(this.committed, next),
    };
    const where =
      this.foldedOrphans.length === 0
        ? paths.journal
        : `${paths.journal} and the orphan journal(s) ${this.foldedOrphans.map((o) => o.file).join(", ")}`;
    const kept = `No state version was written; the ${this.uncommitted} record(s) to commit stay in ${where}, and the next run folds them in.`;
    // History first: whenever the snapshot is at serial N, history already holds N, so a later
    // corrupt snapshot can always be restored from history.
    await writeHistoryVersion(paths.history, entry, next).catch((error: unknown) => {
      throw appendConsequence(error, kept);
    });
    this.historySerial = serial;
    await writeFileAtomic(paths.state, `${JSON.stringify(next, null, 2)}\n`).catch((error: unknown) => {
      throw appendConsequence(
        error,
        `History holds the new version ${serial}, but ${paths.state} still holds serial ${this.baseSerial}; the ${this.uncommitted} record(s) to commit stay in ${where}, and the next run folds them in.`,
      );
    });
    this.fingerprint = await readFingerprint(paths.state);
    this.working.serial = serial;
    this.committed = copyStateMaps(this.working);
    this.baseSerial = serial;
    this.snapshot = undefined;
    // A kill before this truncate leaves records already in the snapshot; replaying them is a no-op.
    try {
      await this.journal?.truncate();
    } catch (error) {
      this.journalFailure = createWriteFailedError(paths.journal, error);
      throw appendConsequence(
        error,
        `State version ${serial} was committed, but ${paths.journal} could not be emptied; its records are in that version, and the next run replays them without effect.`,
      );
    }
    this.uncommitted = 0;
    const orphans = this.foldedOrphans;
    this.foldedOrphans = [];
    await removeOrphanJournals(orphans).catch((error: unknown) => {
      throw appendConsequence(
        error,
        `State version ${serial} was committed with their records; the next run folds them in again, without effect.`,
      );
    });
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
}
