/**
 * The session of a shared-state backend (docs/backends.md): the run holding the lease appends
 * journal records through the driver (one round trip each, fenced by the lease; appendAll's many
 * at a time) and commits new versions by compare-and-swap. What this adds to the driver: folding
 * records into the state in memory, serializing appends from the applier's concurrent workers,
 * numbering versions, and messages that say what became of the records when something fails.
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
import { assertJournalEntries, assertValidState } from "../validate-state.js";
import { SessionQueue, createHistoryEntry } from "../session-queue.js";
import { describeEntry } from "../session-messages.js";
import type { RemoteLock, RemoteStateDriver } from "./driver.js";

/**
 * Records per driver call in appendAll: bounds one request (about 1-4 MB of generate's records) so
 * that it is sent well within the driver's write timeout (pg: the lock's TTL, at least 15 s).
 */
export const APPEND_ALL_BATCH = 2_000;

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
      assertJournalEntries([entry]);
      if (this.failure !== undefined) throw this.createRefusal(entry, this.failure);
      try {
        await this.init.remoteLock.appendJournal([entry], this.createHeader());
      } catch (error) {
        this.failure = toOrderformError(error);
        throw this.createRefusal(entry, this.failure);
      }
      foldJournalEntryInPlace(this.working, entry);
      this.snapshot = undefined;
      this.uncommitted += 1;
    });
  }

  /**
   * Generate's records, APPEND_ALL_BATCH to a driver call (each one round trip, or one per 4 MiB
   * block on azblob), each batch folded in once the driver says it is durable. After a failure the
   * session appends and commits nothing more, as after a failed append. Records that reached the
   * journal before the failure, including a leading part of the failed batch on azblob, stay there:
   * the next run that takes the lock folds them in as it folds any journal left behind
   * (docs/backends.md, "Records in batches"); what did not, a rerun of the command records.
   */
  appendAll(entries: readonly JournalEntry[]): Promise<void> {
    return this.queue.run(async () => {
      this.queue.assertOpen("append");
      if (entries.length === 0) return;
      for (const entry of entries) assertJournalEntries([entry]);
      if (this.failure !== undefined) throw this.createBatchRefusal(entries.length, 0, this.failure);
      for (let start = 0; start < entries.length; start += APPEND_ALL_BATCH) {
        const batch = entries.slice(start, start + APPEND_ALL_BATCH);
        try {
          await this.init.remoteLock.appendJournal(batch, this.createHeader());
        } catch (error) {
          this.failure = toOrderformError(error);
          throw this.createBatchRefusal(entries.length, start, this.failure);
        }
        for (const entry of batch) foldJournalEntryInPlace(this.working, entry);
        this.snapshot = undefined;
        this.uncommitted += batch.length;
      }
    });
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

  /** The journal's header goes with the first records after open or a commit. */
  private createHeader(): JournalHeader | undefined {
    if (this.uncommitted > 0) return undefined;
    return {
      orderformJournal: JOURNAL_FORMAT_VERSION,
      lineage: this.working.lineage,
      baseSerial: this.baseSerial,
    };
  }

  /**
   * appendAll's failure: `recorded` of the `count` records were durable and folded in before it.
   * What became of the failed batch the driver's message says (azblob: which blocks landed).
   */
  private createBatchRefusal(count: number, recorded: number, failure: OrderformError): OrderformError {
    const done =
      recorded === 0
        ? `Could not record the ${count} record(s) given at once (no order was sent for them).`
        : `Could not record all ${count} record(s) given at once (no order was sent for them): the first ${recorded} were recorded.`;
    const earlier = this.uncommitted === 0 ? "" : ` ${this.describeJournalFate()}`;
    return new OrderformError(
      failure.code,
      `${failure.message} ${done}${earlier} Running the command again records what is missing.`,
      { hint: failure.hint, cause: failure },
    );
  }
}

function toOrderformError(error: unknown): OrderformError {
  if (error instanceof OrderformError) return error;
  // A driver failure that is not mapped to a state code is a bug in the driver: keep its stack.
  throw error;
}
