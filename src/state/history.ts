/**
 * History: every committed version as `P.history/<serial, 6 digits>.json`, a JSON document
 * `{"meta": HistoryEntry, "state": StateFile}` written with `meta` alone on the first line, so
 * that listing history reads a few bytes per version instead of parsing every full state.
 *
 * A history file is created exclusively and never overwritten (written to a temp file, fsynced,
 * then hard-linked into place): an existing file for the serial is state.history-exists.
 */
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { StateFile } from "../core/model.js";
import type { DamagedHistoryFile, HistoryEntry } from "./types.js";
import { ensureDirectory, isNotFound, writeFileExclusive } from "./atomic-file.js";
import { createReadFailedError, createStateError } from "./errors.js";
import { checkStateValue, isHistoryMeta } from "./validate-state.js";

const HISTORY_FILE = /^(\d+)\.json$/;
const META_PREFIX = '{"meta":';
const HEAD_BYTES = 64 * 1024;

export function createHistoryFileName(serial: number): string {
  return `${String(serial).padStart(6, "0")}.json`;
}

export function renderHistoryFile(meta: HistoryEntry, state: StateFile): string {
  return `${META_PREFIX}${JSON.stringify(meta)},\n"state":${JSON.stringify(state, null, 2)}}\n`;
}

export async function writeHistoryVersion(dir: string, meta: HistoryEntry, state: StateFile): Promise<void> {
  await ensureDirectory(dir);
  const file = join(dir, createHistoryFileName(meta.serial));
  if (!(await writeFileExclusive(file, renderHistoryFile(meta, state)))) {
    throw createStateError(
      "state.history-exists",
      `History file ${file} already exists; history is never overwritten, so state version ${meta.serial} was not written.`,
      {
        hint: `Another writer committed serial ${meta.serial} while this run held the lock, or the file was copied there by hand. Compare it with ${dir}'s other versions; the journal keeps this run's records for the next run.`,
      },
    );
  }
}

/** Serials present in the history folder, ascending; [] when it does not exist. */
export async function listHistorySerials(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw createReadFailedError(dir, error);
  }
  const serials: number[] = [];
  for (const name of names) {
    const match = HISTORY_FILE.exec(name);
    if (match?.[1] !== undefined) serials.push(Number(match[1]));
  }
  return serials.sort((a, b) => a - b);
}

async function readHead(file: string): Promise<string> {
  const handle = await open(file, "r").catch((error: unknown) => {
    throw isNotFound(error) ? error : createReadFailedError(file, error);
  });
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch (error) {
    throw createReadFailedError(file, error);
  } finally {
    await handle.close();
  }
}

function createCorruptHistoryError(file: string, detail: string) {
  return createStateError("state.corrupt", `History file ${file} ${detail}.`);
}

export async function readHistoryMeta(file: string): Promise<HistoryEntry> {
  const head = await readHead(file);
  const newline = head.indexOf("\n");
  const firstLine = newline === -1 ? "" : head.slice(0, newline);
  let meta: unknown;
  if (firstLine.startsWith(META_PREFIX) && firstLine.endsWith(",")) {
    try {
      meta = JSON.parse(firstLine.slice(META_PREFIX.length, -1));
    } catch {
      meta = undefined;
    }
  }
  if (meta === undefined) {
    // Not in the layout orderform writes (edited by hand?): parse it whole.
    meta = (await readHistoryDocument(file)).meta;
  }
  if (!isHistoryMeta(meta)) throw createCorruptHistoryError(file, "has no valid meta record");
  return meta;
}

async function readHistoryDocument(file: string): Promise<{ meta: unknown; state: unknown }> {
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw isNotFound(error) ? error : createReadFailedError(file, error);
  });
  try {
    const value = JSON.parse(text) as { meta?: unknown; state?: unknown } | null;
    return { meta: value?.meta, state: value?.state };
  } catch (cause) {
    throw createStateError("state.corrupt", `History file ${file} is not valid JSON.`, { cause });
  }
}

export interface HistoryListing {
  entries: HistoryEntry[];
  damaged: DamagedHistoryFile[];
}

/** Every version's meta; a file that is unreadable or has no valid meta is reported in `damaged`. */
export async function readHistoryListing(dir: string): Promise<HistoryListing> {
  const listing: HistoryListing = { entries: [], damaged: [] };
  for (const serial of await listHistorySerials(dir)) {
    const file = join(dir, createHistoryFileName(serial));
    try {
      const meta = await readHistoryMeta(file);
      if (meta.serial !== serial) {
        listing.damaged.push({ serial, file, problem: `its meta says serial ${meta.serial}` });
      } else listing.entries.push(meta);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      listing.damaged.push({ serial, file, problem });
    }
  }
  return listing;
}

/** The newest history file by serial (from its name, no read), or null when history is empty. */
export async function findNewestHistoryFile(dir: string): Promise<{ serial: number; file: string } | null> {
  const serials = await listHistorySerials(dir);
  const serial = serials[serials.length - 1];
  return serial === undefined ? null : { serial, file: join(dir, createHistoryFileName(serial)) };
}

export async function readHistoryVersion(dir: string, serial: number): Promise<StateFile> {
  const file = join(dir, createHistoryFileName(serial));
  let document;
  try {
    document = await readHistoryDocument(file);
  } catch (error) {
    if (isNotFound(error)) {
      throw createStateError(
        "state.version-not-found",
        `There is no state version ${serial} (${file} does not exist).`,
        {
          hint: "`orderform state history` lists the versions kept.",
        },
      );
    }
    throw error;
  }
  return checkStateValue(document.state, `${file} (member "state")`);
}
