/**
 * The lock held by this run on an azblob state (docs/backends.md, "azblob: lease and commit"):
 * a finite lease with id LockInfo.id on both `NAME/state.json` and `NAME/journal.jsonl`, renewed
 * every leaseSeconds/3 (the snapshot's lease first: the journal's is renewed only while the
 * snapshot's holds, so a holder that lost the lock never revives its journal lease).
 *
 * Fencing is done by the service: every append and every write of a leased blob sends the lease
 * id, and fails once the lease was broken, expired or taken (state.lock-lost).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { AppendBlobClient, BlobLeaseClient, BlockBlobClient } from "@azure/storage-blob";
import type { StateFile } from "../../core/model.js";
import type { JournalHeader } from "../journal.js";
import { renderHistoryFile } from "../history.js";
import { createStateError } from "../errors.js";
import type { HistoryEntry, JournalEntry, LockInfo } from "../types.js";
import { assertValidState } from "../validate-state.js";
import type { RemoteLock } from "./driver.js";
import type { AzblobBlobNames } from "./azblob-layout.js";
import {
  SERIAL_METADATA,
  VERSION_METADATA,
  createHistoryMetadata,
  createAppendBlocks,
  createLockedMetadata,
  readSnapshotToken,
} from "./azblob-layout.js";
import { createAzblobError, isLeaseLost, readErrorCode } from "./azblob-errors.js";

export interface AzblobLockContext {
  description: string;
  names: AzblobBlobNames;
  stateBlob: BlockBlobClient;
  journalBlob: AppendBlobClient;
  historyBlob(serial: number): BlockBlobClient;
  leaseSeconds: number;
}

export class AzblobLock implements RemoteLock {
  private lostError: Error | undefined;
  private released = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewed = performance.now();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stateLease: BlobLeaseClient;
  private readonly journalLease: BlobLeaseClient;

  constructor(
    private readonly context: AzblobLockContext,
    readonly info: LockInfo,
    /** The journal's length: every append is conditioned on it, so a retried append is never doubled. */
    private journalLength: number,
  ) {
    this.stateLease = context.stateBlob.getBlobLeaseClient(info.id);
    this.journalLease = context.journalBlob.getBlobLeaseClient(info.id);
    const interval = (context.leaseSeconds * 1000) / 3;
    this.timer = setInterval(() => void this.renew(), interval);
    this.timer.unref();
  }

  get lost(): Error | undefined {
    return this.lostError;
  }

  suspendRenewal(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private get leaseId(): string {
    return this.info.id;
  }

  private createLostError(action: string, consequence: string): Error {
    return createStateError(
      "state.lock-lost",
      `This run (lock id ${this.leaseId}) lost the lock of ${this.context.description}: its lease was broken, ran out or was taken by another run, so it could not ${action}. ${consequence}`.trim(),
      {
        hint: "Another run may hold the lock now; run again once it is done. Its journal keeps every record this run had written.",
      },
    );
  }

  private markLost(error: Error): Error {
    this.lostError ??= error;
    this.suspendRenewal();
    return error;
  }

  /** One heartbeat: snapshot lease first, then the journal's; a lost lease fences this run. */
  private async renew(): Promise<void> {
    if (this.released || this.lostError !== undefined) return;
    const leaseMs = this.context.leaseSeconds * 1000;
    try {
      await this.stateLease.renewLease({ abortSignal: AbortSignal.timeout(leaseMs / 3) });
      await this.journalLease.renewLease({ abortSignal: AbortSignal.timeout(leaseMs / 3) });
      this.lastRenewed = performance.now();
    } catch (error) {
      if (this.released) return;
      if (isLeaseLost(error) || readErrorCode(error) === "BlobNotFound") {
        this.markLost(this.createLostError("renew its lease", ""));
      } else if (performance.now() - this.lastRenewed >= leaseMs) {
        const cause = createAzblobError(error, this.context.description, "renew the lock's lease", true);
        this.markLost(this.createLostError("renew its lease", `The last renewal failed: ${cause.message}`));
      }
      // Otherwise a transient failure: the next beat tries again while the lease still runs.
    }
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private checkUsable(action: string): void {
    if (this.released) {
      throw createStateError(
        "state.session-closed",
        `This run already released the lock of ${this.context.description}; it cannot ${action}.`,
      );
    }
    if (this.lostError !== undefined) throw this.lostError;
  }

  /**
   * One append block per at most MAX_APPEND_BLOCK_BYTES of records (a record is never split, so a
   * block always ends with a whole line), each conditioned on the lease and on the position the
   * journal had after the previous block. A failure leaves the blocks before it in the journal.
   */
  appendJournal(entries: readonly JournalEntry[], header: JournalHeader | undefined): Promise<void> {
    return this.serialize(async () => {
      this.checkUsable("append a journal record");
      if (entries.length === 0) throw new Error("appendJournal needs at least one record");
      if (header !== undefined && this.journalLength > 0) {
        throw new Error(
          "a journal header was given, but the journal already holds records (commit them first)",
        );
      }
      const blocks = createAppendBlocks(entries, header);
      let written = 0;
      for (const block of blocks) {
        await this.appendBlock(block.body, this.describeUnwritten(entries.length, written));
        written += block.records;
      }
    });
  }

  /** What became of a batch's records when the block holding record `written` + 1 failed. */
  private describeUnwritten(count: number, written: number): string {
    if (count === 1) return "The record was not written, and this run must not place the order it records.";
    const landed =
      written === 0
        ? "none of them was written"
        : `the first ${written} are in the journal, the next run folds them in; the other ${count - written} were not written`;
    return `Of the ${count} records appended together, ${landed}.`;
  }

  private async appendBlock(body: Buffer, consequence: string): Promise<void> {
    const position = this.journalLength;
    try {
      await this.context.journalBlob.appendBlock(body, body.length, {
        conditions: { leaseId: this.leaseId, appendPosition: position },
      });
    } catch (error) {
      if (
        readErrorCode(error) !== "AppendPositionConditionNotMet" ||
        !(await this.checkLanded(position, body))
      ) {
        throw this.createAppendError(error, consequence);
      }
      // The first try reached the service but its answer was lost; the SDK's retry found it there.
    }
    this.journalLength = position + body.length;
  }

  /** Whether the journal holds exactly `body` at `position` and nothing after it (a retried append). */
  private async checkLanded(position: number, body: Buffer): Promise<boolean> {
    try {
      const properties = await this.context.journalBlob.getProperties({
        conditions: { leaseId: this.leaseId },
      });
      if (properties.contentLength !== position + body.length) return false;
      const written = await this.context.journalBlob.downloadToBuffer(position, body.length, {
        conditions: { leaseId: this.leaseId },
      });
      return written.equals(body);
    } catch {
      return false;
    }
  }

  private createAppendError(error: unknown, consequence: string): Error {
    if (isLeaseLost(error))
      return this.markLost(this.createLostError("append a journal record", consequence));
    if (readErrorCode(error) === "AppendPositionConditionNotMet") {
      return createStateError(
        "state.write-failed",
        `The journal blob ${this.context.names.journal} in ${this.context.description} changed under this run (it is not as long as this run wrote it). ${consequence}`,
        {
          hint: "Check that no other tool writes the state's blobs, and that the lock was not broken by hand while this run was alive.",
        },
      );
    }
    if (readErrorCode(error) === "BlockCountExceedsLimit") {
      return createStateError(
        "state.write-failed",
        `The journal blob ${this.context.names.journal} in ${this.context.description} reached Azure's limit of 50,000 append blocks. ${consequence}`,
        { hint: "Commit more often: each commit empties the journal." },
      );
    }
    return createAzblobError(
      error,
      this.context.description,
      `append to the journal blob ${this.context.names.journal}`,
      true,
      consequence,
    );
  }

  commit(next: StateFile, meta: HistoryEntry, expectedToken: string | null): Promise<string> {
    return this.serialize(async () => {
      this.checkUsable("commit");
      assertValidState(next);
      const { description, names } = this.context;
      const unchanged = "No state version was written; the journal keeps this run's records.";
      // 1. Under the lease, check the token before writing anything (a serial-moved commit must
      //    not leave a history version behind).
      const current = await this.context.stateBlob
        .getProperties({ conditions: { leaseId: this.leaseId } })
        .catch((error: unknown) => {
          throw isLeaseLost(error)
            ? this.markLost(this.createLostError("commit", unchanged))
            : createAzblobError(
                error,
                description,
                `read the properties of ${names.state}`,
                false,
                unchanged,
              );
        });
      const currentToken = readSnapshotToken(current);
      if (currentToken !== expectedToken) throw this.createSerialMovedError(expectedToken, currentToken);
      // 2. History first: whenever the snapshot is at serial N, history holds N.
      await this.writeHistory(next, meta);
      // 3. The snapshot, by compare-and-swap on the ETag just read, carrying the lease, with the
      //    lock record (an upload replaces all metadata).
      const version = randomUUID();
      const text = `${JSON.stringify(next, null, 2)}\n`;
      const metadata = createLockedMetadata(
        { [VERSION_METADATA]: version, [SERIAL_METADATA]: String(next.serial) },
        this.info,
      );
      const halfway = `History holds the new version ${meta.serial}, but ${names.state} still holds the previous snapshot; the journal keeps this run's records, and the next run folds them in.`;
      try {
        await this.context.stateBlob.upload(text, Buffer.byteLength(text), {
          metadata,
          blobHTTPHeaders: { blobContentType: "application/json" },
          conditions: { leaseId: this.leaseId, ifMatch: current.etag },
        });
      } catch (error) {
        if (isLeaseLost(error)) throw this.markLost(this.createLostError("commit", halfway));
        if (readErrorCode(error) === "ConditionNotMet")
          throw this.createSerialMovedError(expectedToken, null, halfway);
        throw createAzblobError(error, description, `write the snapshot ${names.state}`, true, halfway);
      }
      // 4. Empty the journal: re-create the append blob, carrying the lease (which it keeps).
      const committed = `State version ${meta.serial} was committed, but the journal ${names.journal} could not be emptied; its records are in that version, and the next run replays them without effect.`;
      try {
        await this.context.journalBlob.create({ conditions: { leaseId: this.leaseId } });
        this.journalLength = 0;
      } catch (error) {
        if (isLeaseLost(error)) throw this.markLost(this.createLostError("empty the journal", committed));
        throw createAzblobError(error, description, `empty the journal ${names.journal}`, true, committed);
      }
      return version;
    });
  }

  private async writeHistory(next: StateFile, meta: HistoryEntry): Promise<void> {
    const blobName = this.context.names.history(meta.serial);
    const text = renderHistoryFile(meta, next);
    try {
      await this.context.historyBlob(meta.serial).upload(text, Buffer.byteLength(text), {
        metadata: createHistoryMetadata(meta),
        blobHTTPHeaders: { blobContentType: "application/json" },
        conditions: { ifNoneMatch: "*" },
      });
    } catch (error) {
      const unchanged = "No state version was written; the journal keeps this run's records.";
      if (readErrorCode(error) === "BlobAlreadyExists" || readErrorCode(error) === "ConditionNotMet") {
        // The same version, byte for byte, written by an attempt of this very commit that was cut
        // short before the snapshot (a re-run `state migrate` copies the same meta and state):
        // it is this version already, and the commit goes on. Any other content is never replaced.
        if (
          await this.readHistoryText(meta.serial).then(
            (existing) => existing === text,
            () => false,
          )
        )
          return;
        throw createStateError(
          "state.history-exists",
          `History blob ${blobName} in ${this.context.description} already exists; history is never overwritten, so state version ${meta.serial} was not written. The journal keeps this run's records.`,
          {
            hint: `Another writer committed serial ${meta.serial} (a run whose lock was broken?), or the blob was uploaded by hand. Compare it with the other versions under ${this.context.names.historyPrefix}.`,
          },
        );
      }
      throw createAzblobError(
        error,
        this.context.description,
        `create the history blob ${blobName}`,
        true,
        unchanged,
      );
    }
  }

  private async readHistoryText(serial: number): Promise<string> {
    return (await this.context.historyBlob(serial).downloadToBuffer()).toString("utf8");
  }

  private createSerialMovedError(
    expected: string | null,
    current: string | null,
    consequence?: string,
  ): Error {
    return createStateError(
      "state.serial-moved",
      `The snapshot ${this.context.names.state} in ${this.context.description} changed since this run read it (version ${expected ?? "none"}, now ${current ?? "another"}). ${consequence ?? "No state version was written; the journal keeps this run's records."}`,
      {
        hint: "Another writer committed while this run held the lock (was the lock broken by hand?). Run again: the next run folds the journal in.",
      },
    );
  }

  release(): Promise<void> {
    return this.serialize(async () => {
      if (this.released) return;
      this.suspendRenewal();
      this.released = true;
      if (this.lostError !== undefined) return;
      try {
        const current = await this.context.stateBlob.getProperties({ conditions: { leaseId: this.leaseId } });
        await this.context.stateBlob.setMetadata(createLockedMetadata(current.metadata, undefined), {
          conditions: { leaseId: this.leaseId, ifMatch: current.etag },
        });
        await this.journalLease.releaseLease();
        await this.stateLease.releaseLease();
      } catch (error) {
        if (isLeaseLost(error)) return; // Broken or taken meanwhile: nothing of ours to release.
        throw createAzblobError(
          error,
          this.context.description,
          "release the lock",
          true,
          `Its lease runs out by itself within ${this.context.leaseSeconds} s.`,
        );
      }
    });
  }
}
