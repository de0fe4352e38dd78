/**
 * The Azure Blob Storage driver (`state.backend: azblob`) of the shared-state contract
 * (./driver.ts). Blob layout: ./azblob-layout.ts; the held lock, appends and commit:
 * ./azblob-lock.ts; docs/backends.md ("azblob") describes both for users.
 *
 * Taking the lock: lease `NAME/state.json` (created as an empty placeholder when missing) for
 * leaseSeconds with the proposed lease id LockInfo.id, then `NAME/journal.jsonl` with the same id,
 * then write the LockInfo into the snapshot blob's metadata. Leases are never infinite: a killed
 * or stalled holder's lock is free within leaseSeconds, with no one to call.
 */
import { performance } from "node:perf_hooks";
import type { ContainerClient } from "@azure/storage-blob";
import type { StateFile } from "../../core/model.js";
import { parseJournalText } from "../journal.js";
import { createStateError } from "../errors.js";
import { renderLockHolder } from "../lock-record.js";
import type { DamagedHistoryFile, HistoryEntry, LockInfo } from "../types.js";
import { checkStateValue, isHistoryMeta, parseStateText } from "../validate-state.js";
import type { RemoteJournal, RemoteLockHolder, RemoteSnapshot, RemoteStateDriver } from "./driver.js";
import { AzblobLock } from "./azblob-lock.js";
import type { AzblobLockContext } from "./azblob-lock.js";
import {
  HISTORY_BLOB,
  createBlobNames,
  createLockedMetadata,
  parseHistoryHead,
  parseHistoryMetadata,
  parseLockMetadata,
  readSnapshotToken,
} from "./azblob-layout.js";
import { createAzblobError, isLeaseLost, isNotFound, readErrorCode } from "./azblob-errors.js";

export interface AzblobDriverOptions {
  containerClient: ContainerClient;
  /** For messages (renderAzblobDescription): never a secret. */
  description: string;
  name: string;
  /** 15 to 60, as Azure allows for finite leases. */
  leaseSeconds: number;
  now?: () => Date;
}

const HISTORY_HEAD_BYTES = 64 * 1024;
const MAX_POLL_MS = 5000;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function createAzblobDriver(options: AzblobDriverOptions): RemoteStateDriver {
  const { containerClient, description, leaseSeconds } = options;
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 15 || leaseSeconds > 60) {
    throw new Error(`leaseSeconds must be an integer from 15 to 60, not ${leaseSeconds}`);
  }
  const now = options.now ?? (() => new Date());
  const names = createBlobNames(options.name);
  const stateBlob = containerClient.getBlockBlobClient(names.state);
  const journalBlob = containerClient.getAppendBlobClient(names.journal);
  const context: AzblobLockContext = {
    description,
    names,
    stateBlob,
    journalBlob,
    historyBlob: (serial) => containerClient.getBlockBlobClient(names.history(serial)),
    leaseSeconds,
  };

  async function readSnapshot(): Promise<RemoteSnapshot | null> {
    let buffer: Buffer;
    let properties: { metadata?: Record<string, string>; etag?: string };
    try {
      const response = await stateBlob.download();
      // The response's fields are getters: copy them, not the object.
      properties = { metadata: response.metadata, etag: response.etag };
      buffer = await readBody(response.readableStreamBody);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw createAzblobError(error, description, `read the snapshot ${names.state}`, false);
    }
    const token = readSnapshotToken({ ...properties, contentLength: buffer.length });
    if (token === null) return null;
    return { state: parseStateText(buffer.toString("utf8"), `${names.state} in ${description}`), token };
  }

  async function readJournal(): Promise<RemoteJournal> {
    let text: string;
    try {
      const response = await journalBlob.download();
      text = (await readBody(response.readableStreamBody)).toString("utf8");
    } catch (error) {
      if (isNotFound(error)) return { header: null, entries: [] };
      throw createAzblobError(error, description, `read the journal ${names.journal}`, false);
    }
    const parsed = parseJournalText(text, `${names.journal} in ${description}`);
    return { header: parsed.header, entries: parsed.entries };
  }

  async function readHistoryMeta(
    blobName: string,
    metadata: Record<string, string> | undefined,
  ): Promise<unknown> {
    const fromMetadata = parseHistoryMetadata(metadata);
    if (fromMetadata !== undefined) return fromMetadata;
    const blob = containerClient.getBlockBlobClient(blobName);
    const head = await blob.downloadToBuffer(0, HISTORY_HEAD_BYTES).catch(async (error: unknown) => {
      // A blob shorter than the range answers with what it has; an empty one cannot be ranged.
      if (readErrorCode(error) === "InvalidRange") return Buffer.alloc(0);
      throw error;
    });
    const meta = parseHistoryHead(head.toString("utf8"));
    if (meta !== undefined || head.length < HISTORY_HEAD_BYTES) return meta;
    return parseHistoryHead((await blob.downloadToBuffer()).toString("utf8"));
  }

  async function readHistoryListing(): Promise<{ entries: HistoryEntry[]; damaged: DamagedHistoryFile[] }> {
    const found: { serial: number; blobName: string; metadata: Record<string, string> | undefined }[] = [];
    try {
      for await (const blob of containerClient.listBlobsFlat({
        prefix: names.historyPrefix,
        includeMetadata: true,
      })) {
        const match = HISTORY_BLOB.exec(blob.name);
        if (match?.[1] !== undefined && blob.name === names.history(Number(match[1]))) {
          found.push({ serial: Number(match[1]), blobName: blob.name, metadata: blob.metadata });
        }
      }
    } catch (error) {
      throw createAzblobError(error, description, `list the history under ${names.historyPrefix}`, false);
    }
    found.sort((a, b) => a.serial - b.serial);
    const entries: HistoryEntry[] = [];
    const damaged: DamagedHistoryFile[] = [];
    for (const { serial, blobName, metadata } of found) {
      const file = `${blobName} in ${description}`;
      try {
        const meta = await readHistoryMeta(blobName, metadata);
        if (!isHistoryMeta(meta)) damaged.push({ serial, file, problem: "it has no valid meta record" });
        else if (meta.serial !== serial)
          damaged.push({ serial, file, problem: `its meta says serial ${meta.serial}` });
        else entries.push(meta);
      } catch (error) {
        const problem = createAzblobError(error, description, `read ${blobName}`, false).message;
        damaged.push({ serial, file, problem });
      }
    }
    return { entries, damaged };
  }

  async function readHistoryVersion(serial: number): Promise<StateFile> {
    const blobName = names.history(serial);
    const file = `${blobName} in ${description}`;
    let text: string;
    try {
      text = (await containerClient.getBlockBlobClient(blobName).downloadToBuffer()).toString("utf8");
    } catch (error) {
      if (isNotFound(error)) {
        throw createStateError(
          "state.version-not-found",
          `There is no state version ${serial} (no blob ${file}).`,
          {
            hint: "`orderform state history` lists the versions kept.",
          },
        );
      }
      throw createAzblobError(error, description, `read ${blobName}`, false);
    }
    let document: { state?: unknown } | null;
    try {
      document = JSON.parse(text) as { state?: unknown } | null;
    } catch (cause) {
      throw createStateError("state.corrupt", `History blob ${file} is not valid JSON.`, { cause });
    }
    return checkStateValue(document?.state, `${file} (member "state")`);
  }

  /** The snapshot blob's lease state and lock record; null when there is no blob. */
  async function readLockProperties() {
    try {
      return await stateBlob.getProperties();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw createAzblobError(error, description, `read the lock of ${names.state}`, false);
    }
  }

  function createUnknownHolder(infinite: boolean): LockInfo {
    return {
      id: "unknown",
      owner: "unknown",
      host: "unknown",
      pid: 0,
      started: "unknown",
      operation: infinite
        ? "an infinite lease without orderform's lock record (taken by another tool)"
        : "a lease without orderform's lock record (being taken, or taken by another tool)",
    };
  }

  async function readLockHolder(): Promise<RemoteLockHolder | null> {
    const properties = await readLockProperties();
    if (properties === null || properties.leaseState !== "leased") return null;
    const infinite = properties.leaseDuration === "infinite";
    const info = parseLockMetadata(properties.metadata) ?? createUnknownHolder(infinite);
    // Azure does not tell when a lease runs out: at the latest leaseSeconds after its last renewal.
    if (infinite) return { info };
    return { info, expires: new Date(now().getTime() + leaseSeconds * 1000).toISOString() };
  }

  function createLockedError(holder: RemoteLockHolder | null): Error {
    const who =
      holder === null ? "another run (it released or lost the lock just now)" : renderLockHolder(holder.info);
    const until =
      holder?.expires === undefined
        ? "Its lease is infinite: it never runs out by itself."
        : `Its lease runs out by ${holder.expires} at the latest unless its holder renews it, which it does every ${Math.round(leaseSeconds / 3)} s while it runs.`;
    return createStateError("state.locked", `${description} is locked by ${who}. ${until}`, {
      hint:
        holder?.info.id === "unknown"
          ? `Break the lease with \`az storage blob lease break --blob-name ${names.state}\` once you are sure nothing uses it.`
          : "Wait for that run to finish, or raise the lock timeout. If its holder is gone, the lock frees itself when the lease runs out; `orderform force-unlock <lock id>` breaks it at once.",
    });
  }

  /** Leases `blob` (creating it when missing); "busy" when another lease is present. */
  async function acquireLease(
    lease: ReturnType<typeof stateBlob.getBlobLeaseClient>,
    create: () => Promise<unknown>,
  ): Promise<"leased" | "busy"> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await lease.acquireLease(leaseSeconds);
        return "leased";
      } catch (error) {
        if (readErrorCode(error) === "LeaseAlreadyPresent") return "busy";
        if (!isNotFound(error) || attempt > 0) throw error;
      }
      await create().catch((error: unknown) => {
        if (readErrorCode(error) !== "BlobAlreadyExists" && readErrorCode(error) !== "ConditionNotMet")
          throw error;
      });
    }
  }

  /** One attempt: the lock, or the holder in the way. */
  async function tryAcquire(info: LockInfo): Promise<AzblobLock | { holder: RemoteLockHolder | null }> {
    const stateLease = stateBlob.getBlobLeaseClient(info.id);
    const journalLease = journalBlob.getBlobLeaseClient(info.id);
    const placeholder = () => stateBlob.upload("", 0, { conditions: { ifNoneMatch: "*" } });
    if ((await acquireLease(stateLease, placeholder)) === "busy") return { holder: await readLockHolder() };
    try {
      // The snapshot's lease is the lock: a journal lease still present is a former holder's
      // (expired or broken on the snapshot, not yet on the journal), so it is broken.
      const emptyJournal = () => journalBlob.create({ conditions: { ifNoneMatch: "*" } });
      if ((await acquireLease(journalLease, emptyJournal)) === "busy") {
        await journalLease.breakLease(0);
        await journalLease.acquireLease(leaseSeconds);
      }
      const journal = await journalBlob.getProperties({ conditions: { leaseId: info.id } });
      const current = await stateBlob.getProperties({ conditions: { leaseId: info.id } });
      await stateBlob.setMetadata(createLockedMetadata(current.metadata, info), {
        conditions: { leaseId: info.id, ifMatch: current.etag },
      });
      return new AzblobLock(context, info, journal.contentLength ?? 0);
    } catch (error) {
      await journalLease.releaseLease().catch(() => undefined);
      await stateLease.releaseLease().catch(() => undefined);
      // Broken by a force-unlock before this run got hold of it: try again.
      if (isLeaseLost(error)) return { holder: null };
      throw error;
    }
  }

  async function acquireLock(
    info: LockInfo,
    lockOptions: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<AzblobLock> {
    const deadline = performance.now() + lockOptions.timeoutMs;
    let delay = 250;
    for (;;) {
      if (lockOptions.signal?.aborted === true) {
        throw createStateError("state.lock-aborted", `Stopped waiting for the lock of ${description}.`);
      }
      let outcome;
      try {
        outcome = await tryAcquire(info);
      } catch (error) {
        throw createAzblobError(error, description, `take the lock (lease ${names.state})`, true);
      }
      if (outcome instanceof AzblobLock) return outcome;
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw createLockedError(outcome.holder);
      await sleep(Math.min(delay, remaining), lockOptions.signal);
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  async function breakLock(lockId: string): Promise<LockInfo> {
    const properties = await readLockProperties();
    const holder = properties?.leaseState === "leased" ? parseLockMetadata(properties.metadata) : undefined;
    if (properties === null || holder?.id !== lockId) {
      const current =
        properties?.leaseState !== "leased"
          ? "the state is not locked"
          : `it is held by ${holder === undefined ? "a lease without orderform's lock record" : renderLockHolder(holder)}`;
      throw createStateError(
        "state.lock-not-found",
        `The lock of ${description} does not have id ${lockId}: ${current}.`,
        {
          hint: "The lock error of a waiting run names the current holder and its lock id.",
        },
      );
    }
    try {
      // Conditioned on the ETag read with the record: a lock taken meanwhile by another run is kept.
      await stateBlob.getBlobLeaseClient().breakLease(0, { conditions: { ifMatch: properties.etag } });
    } catch (error) {
      if (readErrorCode(error) === "ConditionNotMet") return breakLock(lockId);
      throw createAzblobError(error, description, `break the lease of ${names.state}`, true);
    }
    try {
      await journalBlob.getBlobLeaseClient().breakLease(0);
    } catch (error) {
      if (
        !isNotFound(error) &&
        !isLeaseLost(error) &&
        readErrorCode(error) !== "LeaseNotPresentWithLeaseOperation"
      ) {
        throw createAzblobError(error, description, `break the lease of ${names.journal}`, true);
      }
    }
    // Clear the record unless a new holder wrote its own meanwhile (then the ETag moved).
    await stateBlob
      .setMetadata(createLockedMetadata(properties.metadata, undefined), {
        conditions: { ifMatch: properties.etag },
      })
      .catch(() => undefined);
    return holder;
  }

  return {
    description,
    readSnapshot,
    readJournal,
    readHistoryListing,
    readHistoryVersion,
    readLockHolder,
    acquireLock,
    breakLock,
    close: () => Promise.resolve(),
  };
}

async function readBody(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (stream === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
