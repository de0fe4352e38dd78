/**
 * Where one azblob state keeps its data (docs/backends.md, "azblob: blob layout"), all under the
 * state's name in the container:
 *
 * - `NAME/state.json`: block blob, the snapshot (the local snapshot's JSON). Until the first commit
 *   it is an empty placeholder, which exists only to carry the lock's lease. The lock is a lease on
 *   it; its holder's LockInfo is base64 JSON in metadata `orderformlock`. Metadata
 *   `orderformversion` (a fresh UUID per commit) is the compare-and-swap token: not the ETag,
 *   which also changes when the lock metadata is set or cleared.
 * - `NAME/journal.jsonl`: append blob, the journal in the local journal's JSON-lines format, one
 *   append block per append: one record (apply), or as many whole records as fit in 4 MiB
 *   (createAppendBlocks; the header shares the block of the first record). It is leased with the
 *   same lease id as the snapshot, so every append carries the lock.
 * - `NAME/history/000042.json`: block blobs in the local history file layout, created with
 *   If-None-Match: * and never overwritten; metadata `orderformmeta` holds the meta (base64 JSON)
 *   so that listing history is one request.
 */
import type { HistoryEntry, JournalEntry, LockInfo } from "../types.js";
import { createHistoryFileName } from "../history.js";
import type { JournalHeader } from "../journal.js";
import { renderJournalHeader } from "../journal.js";
import { isHistoryMeta } from "../validate-state.js";

const LOCK_METADATA = "orderformlock";
export const VERSION_METADATA = "orderformversion";
export const SERIAL_METADATA = "orderformserial";
const META_METADATA = "orderformmeta";

/** Azure allows 8 KiB of metadata per blob; a larger history meta is left to the blob's first line. */
const MAX_META_METADATA = 6 * 1024;

export interface AzblobBlobNames {
  state: string;
  journal: string;
  historyPrefix: string;
  history(serial: number): string;
}

export function createBlobNames(name: string): AzblobBlobNames {
  return {
    state: `${name}/state.json`,
    journal: `${name}/journal.jsonl`,
    historyPrefix: `${name}/history/`,
    history: (serial) => `${name}/history/${createHistoryFileName(serial)}`,
  };
}

function renderBase64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

function parseBase64Json(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(text, "base64").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The LockInfo in a blob's metadata; undefined when absent or not a lock record. */
export function parseLockMetadata(metadata: Record<string, string> | undefined): LockInfo | undefined {
  const value = parseBase64Json(metadata?.[LOCK_METADATA]) as Partial<LockInfo> | undefined;
  if (typeof value?.id === "string" && typeof value.host === "string" && typeof value.pid === "number") {
    return value as LockInfo;
  }
  return undefined;
}

/** The metadata with the lock record set to `info`, or removed (undefined); the rest is kept. */
export function createLockedMetadata(
  metadata: Record<string, string> | undefined,
  info: LockInfo | undefined,
): Record<string, string> {
  const next: Record<string, string> = { ...metadata };
  delete next[LOCK_METADATA];
  if (info !== undefined) next[LOCK_METADATA] = renderBase64Json(info);
  return next;
}

/**
 * The snapshot's compare-and-swap token: its version id, or for a snapshot that orderform did not
 * write (uploaded by hand) its ETag; null for the placeholder (no snapshot yet).
 */
export function readSnapshotToken(properties: {
  metadata?: Record<string, string>;
  etag?: string;
  contentLength?: number;
}): string | null {
  const version = properties.metadata?.[VERSION_METADATA];
  if (version !== undefined) return version;
  if ((properties.contentLength ?? 0) === 0) return null;
  return `etag:${properties.etag ?? ""}`;
}

export function createHistoryMetadata(meta: HistoryEntry): Record<string, string> {
  const encoded = renderBase64Json(meta);
  return encoded.length <= MAX_META_METADATA ? { [META_METADATA]: encoded } : {};
}

export function parseHistoryMetadata(metadata: Record<string, string> | undefined): HistoryEntry | undefined {
  const value = parseBase64Json(metadata?.[META_METADATA]);
  return isHistoryMeta(value) ? value : undefined;
}

const META_PREFIX = '{"meta":';

/** The meta from the first line of a history document (renderHistoryFile's layout), or the whole. */
export function parseHistoryHead(text: string): unknown {
  const newline = text.indexOf("\n");
  const firstLine = newline === -1 ? "" : text.slice(0, newline);
  if (firstLine.startsWith(META_PREFIX) && firstLine.endsWith(",")) {
    try {
      return JSON.parse(firstLine.slice(META_PREFIX.length, -1)) as unknown;
    } catch {
      // Fall through to the whole document.
    }
  }
  try {
    return (JSON.parse(text) as { meta?: unknown } | null)?.meta;
  } catch {
    return undefined;
  }
}

export const HISTORY_BLOB = /\/history\/(\d+)\.json$/;

/**
 * The most one append block carries: the service's limit before version 2022-11-02 (4 MiB; newer
 * versions and Azurite take 100 MiB). Staying under the old limit works with any service version
 * and keeps each request small enough to finish within the client's 30 s try timeout.
 */
export const MAX_APPEND_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * The records as JSON lines (the header before the first), packed in order into blocks of at most
 * MAX_APPEND_BLOCK_BYTES; a record longer than that is a block of its own, as any record was
 * before appends were batched.
 */
export function createAppendBlocks(
  entries: readonly JournalEntry[],
  header: JournalHeader | undefined,
): { body: Buffer; records: number }[] {
  const blocks: { body: Buffer; records: number }[] = [];
  let parts: Buffer[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length > 0) blocks.push({ body: Buffer.concat(parts, size), records: parts.length });
    parts = [];
    size = 0;
  };
  for (const [index, entry] of entries.entries()) {
    const prefix =
      index === 0 && header !== undefined ? renderJournalHeader(header.lineage, header.baseSerial) : "";
    const line = Buffer.from(`${prefix}${JSON.stringify(entry)}\n`, "utf8");
    if (size + line.length > MAX_APPEND_BLOCK_BYTES) flush();
    parts.push(line);
    size += line.length;
  }
  flush();
  return blocks;
}
