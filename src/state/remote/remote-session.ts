/**
 * The session of a shared-state backend (docs/backends.md): the run holding the lease appends
 * journal records through the driver (one round trip each, fenced by the lease) and commits new
 * versions by compare-and-swap. What this adds to the driver: folding records into the state in
 * memory, serializing appends from the applier's concurrent workers, numbering versions, and
 * messages that say what became of the records when something fails.
 *
 * A lost lease (state.lock-lost) stops the run: an intent is not recorded, so its order is not
 * sent. A record of an order already bought cannot be written either; its intent is in the shared
 * journal or state (it was recorded before the order was sent), so the next run re-sends the same
 * request id and records the order Partner Center answers with (docs/exactly-once.md).
 */
import type { StateFile } from "../../core/model.js";
import { OrderformError } from "../../core/errors.js";
import { copyStateMaps, foldJournalEntryInPlace } from "../../core/state-journal.js";
import { selectSeatChangesMeta } from "../../core/seat-changes.js";
import { JOURNAL_FORMAT_VERSION } from "../journal.js";
import type { JournalHeader } from "../journal.js";
import type { JournalEntry, LockInfo, StateSession, VersionMeta } from "../types.js";
import { assertValidState, isJournalEntry } from "../validate-state.js";
import { SessionQueue, createHistoryEntry } from "../session-queue.js";
import { describeEntry } from "../session-messages.js";
import type { RemoteLock, RemoteStateDriver } from "./driver.js";

export interface RemoteSessionInit {
  driver: RemoteStateDriver;
  remoteLock: RemoteLock;
  lock: LockInfo;
  state: StateFile;
  /** The snapshot's compare-and-swap token when opened; null when there was none. */
  token: string | null;
  /** The newest serial in history when opened: new versions go above it. */
  historySerial: number;
  now: () => Date;
  user: string;
  host: string;
  readGitCommit: () => Promise<string | undefined>;
}

export class RemoteSession implements StateSession {
  readonly lock: LockInfo;
  private readonly init: RemoteSessionInit;
  private working: StateFile;
  private snapshot: StateFile | undefined;
  private token: string | null;
  private baseSerial: number;
  private historySerial: number;
  /** Records appended since open or the last commit (in the shared journal, not the snapshot). */
  private uncommitted = 0;
  /** The state as last committed (maps copied): a version's seat changes are counted against it. */
  private committed: StateFile;
  /** Set after a failed append: nothing more is appended, and no commit follows. */
  private failure: OrderformError | undefined;
  private readonly queue = new SessionQueue();

  constructor(init: RemoteSessionInit) {
    this.init = init;
    this.lock = init.lock;
    this.working = init.state;
    this.committed = copyStateMaps(init.state);
    this.token = init.token;
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
      if (!isJournalEntry(entry)) throw new Error(`invalid journal entry: ${JSON.stringify(entry)}`);
      if (this.failure !== undefined) throw this.createRefusal(entry, this.failure);
      const header: JournalHeader | undefined =
        this.uncommitted === 0
          ? {
              orderformJournal: JOURNAL_FORMAT_VERSION,
              lineage: this.working.lineage,
              baseSerial: this.baseSerial,
            }
          : undefined;
      try {
        await this.init.remoteLock.appendJournal(entry, header);
      } catch (error) {
        this.failure = toOrderformError(error);
        throw this.createRefusal(entry, this.failure);
      }
      foldJournalEntryInPlace(this.working, entry);
      this.snapshot = undefined;
      this.uncommitted += 1;
    });
  }

  /** Known limit: one round trip per record, as append (the drivers append one record at a time). */
  async appendAll(entries: readonly JournalEntry[]): Promise<void> {
    for (const entry of entries) await this.append(entry);
  }

  commit(meta: VersionMeta): Promise<StateFile> {
    return this.queue.run(async () => {
      this.queue.assertOpen("commit");
      if (this.failure !== undefined) {
        throw new OrderformError(
          this.failure.code,
          `No state version was written: an earlier write to the shared journal of ${this.init.driver.description} failed (${this.failure.message}). ${this.describeJournalFate()}`,
          { hint: this.failure.hint, cause: this.failure },
        );
      }
      if (this.uncommitted === 0) return this.current();
      await this.writeVersion(meta);
      return this.current();
    });
  }

  /** Folds records a run that died left in the shared journal, and commits them as one version. */
  recover(entries: readonly JournalEntry[], meta: VersionMeta): Promise<void> {
    return this.queue.run(async () => {
      for (const entry of entries) foldJournalEntryInPlace(this.working, entry);
      this.snapshot = undefined;
      this.uncommitted = entries.length;
      await this.writeVersion(meta);
    });
  }

  release(): Promise<void> {
    return this.queue.run(async () => {
      if (!this.queue.markReleased()) return;
      await this.init.remoteLock.release();
    });
  }

  private async writeVersion(meta: VersionMeta): Promise<void> {
    const serial = Math.max(this.baseSerial, this.historySerial) + 1;
    const next: StateFile = { ...this.working, serial };
    assertValidState(next);
    const gitCommit = await this.init.readGitCommit();
    const entry = {
      ...createHistoryEntry(this.init, { serial, lineage: next.lineage }, meta, gitCommit),
      ...selectSeatChangesMeta(this.committed, next),
    };
    try {
      this.token = await this.init.remoteLock.commit(next, entry, this.token);
    } catch (error) {
      const failure = toOrderformError(error);
      // A driver failure after the history version or the snapshot was written says so itself.
      const partly = /\bwas committed\b|History holds the new version/.test(failure.message);
      throw new OrderformError(
        failure.code,
        `${failure.message}${partly ? "" : " No state version was written."} ${this.describeJournalFate()}`,
        { hint: failure.hint, cause: failure },
      );
    }
    this.working.serial = serial;
    this.committed = copyStateMaps(this.working);
    this.baseSerial = serial;
    this.historySerial = serial;
    this.snapshot = undefined;
    this.uncommitted = 0;
  }

  /** Where this run's records since its last commit are: in the shared journal, for the next run. */
  private describeJournalFate(): string {
    if (this.uncommitted === 0) return "This run had no records since its last commit.";
    return `The ${this.uncommitted} record(s) this run appended since its last commit are in the shared journal of ${this.init.driver.description}; the next run that takes the lock folds them in.`;
  }

  private createRefusal(entry: JournalEntry, failure: OrderformError): OrderformError {
    const what = describeEntry(entry);
    const consequence =
      entry.type === "intent"
        ? "It was not recorded, so its order is not sent."
        : entry.type === "created"
          ? `It was not recorded. The order exists; its intent (MS-RequestId ${entry.order.requestId}) is in the shared state, so the next run re-sends that request id and records the order Partner Center answers with.`
          : "It was not recorded.";
    return new OrderformError(
      failure.code,
      `${failure.message} Could not record ${what}. ${consequence} ${this.describeJournalFate()}`,
      { hint: failure.hint, cause: failure },
    );
  }
}

function toOrderformError(error: unknown): OrderformError {
  if (error instanceof OrderformError) return error;
  // A driver failure that is not mapped to a state code is a bug in the driver: keep its stack.
  throw error;
}
