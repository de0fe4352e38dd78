/**
 * Parsing and validating the rows the PostgreSQL state driver reads (no I/O). A row that is not
 * what orderform writes is `state.corrupt` / `state.journal-corrupt` naming the table, state name
 * and serial or sequence number; a damaged history meta is listed as damaged (docs/backends.md).
 */
import type { StateFile } from "../../core/model.js";
import { createStateError } from "../errors.js";
import type { JournalHeader } from "../journal.js";
import type { DamagedHistoryFile, HistoryEntry, JournalEntry, LockInfo } from "../types.js";
import { checkStateValue, isHistoryMeta, isJournalEntry } from "../validate-state.js";
import type { RemoteJournal } from "./driver.js";

export interface JournalRow {
  format: number | null;
  lineage: string | null;
  base_serial: string | null;
  seq: string | null;
  entry: string | null;
}

export interface HolderRow {
  pid: number;
  lock_id: string | null;
  info: unknown;
  backend_pid: number | null;
  lease_seconds: number | null;
  renewed_at: Date | null;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A snapshot or history version's data; `where` names the row in messages. */
export function parseStateData(text: string, where: string): StateFile {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    throw createStateError(
      "state.corrupt",
      `State ${where} is not valid JSON (${(cause as Error).message}). It was left unchanged.`,
    );
  }
  return checkStateValue(value, where);
}

/** The journal from the rows of one statement (header columns repeated on each record's row). */
export function createJournalFromRows(rows: JournalRow[], description: string): RemoteJournal {
  const first = rows[0];
  if (first?.format != null && first.format !== 1) {
    throw createStateError(
      "state.unknown-version",
      `The journal of ${description} has format ${first.format}; this orderform reads format 1. Upgrade orderform to read it.`,
    );
  }
  const header: JournalHeader | null =
    first?.lineage == null || first.base_serial === null
      ? null
      : { orderformJournal: 1, lineage: first.lineage, baseSerial: Number(first.base_serial) };
  const entries: JournalEntry[] = [];
  for (const row of rows) {
    if (row.entry === null) continue;
    const value = tryParseJson(row.entry);
    if (!isJournalEntry(value)) {
      throw createStateError(
        "state.journal-corrupt",
        `Journal record ${row.seq ?? "?"} of ${description} (table journal) is not a valid record.`,
        {
          hint: "The journal holds records of orders placed since the last state version. Keep a copy of the row, repair or delete it, and run again.",
        },
      );
    }
    entries.push(value);
  }
  return { header, entries };
}

export function createHistoryListing(
  rows: { serial: string; meta: unknown }[],
  description: string,
): { entries: HistoryEntry[]; damaged: DamagedHistoryFile[] } {
  const entries: HistoryEntry[] = [];
  const damaged: DamagedHistoryFile[] = [];
  for (const row of rows) {
    const serial = Number(row.serial);
    const file = `${description} (table history, serial ${row.serial})`;
    if (!isHistoryMeta(row.meta)) {
      damaged.push({ serial, file, problem: "its meta is not in the layout orderform writes" });
    } else if (row.meta.serial !== serial) {
      damaged.push({ serial, file, problem: `its meta names serial ${row.meta.serial}` });
    } else {
      entries.push(row.meta);
    }
  }
  return { entries, damaged };
}

export function checkLockInfo(value: unknown): LockInfo | undefined {
  const info = value as Partial<LockInfo> | null;
  return typeof info === "object" &&
    info !== null &&
    typeof info.id === "string" &&
    typeof info.host === "string" &&
    typeof info.pid === "number"
    ? (info as LockInfo)
    : undefined;
}
