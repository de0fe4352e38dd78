/**
 * The journal `P.journal`: JSON lines, one fsync per record. The first line is a header naming the
 * state it applies to; every other line is one JournalEntry:
 *
 *   {"orderformJournal":1,"lineage":"<uuid>","baseSerial":41}
 *   {"type":"intent","intent":{...}}
 *   {"type":"created","order":{...}}
 *
 * A record is acknowledged only after its line and newline are written and synced, so a kill
 * mid-append can only damage the last line: an unparsable last line is dropped silently (it was
 * never acknowledged), while an unparsable line before it means the file was damaged otherwise
 * (state.journal-corrupt).
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { JournalEntry } from "./types.js";
import { FILE_MODE, syncDirectory } from "./atomic-file.js";
import { createStateError, writeChecked } from "./errors.js";
import { isJournalEntry } from "./validate-state.js";

export const JOURNAL_FORMAT_VERSION = 1;

export interface JournalHeader {
  orderformJournal: typeof JOURNAL_FORMAT_VERSION;
  lineage: string;
  /** The snapshot serial the session started from; the records apply on top of it. */
  baseSerial: number;
}

export interface ParsedJournal {
  header: JournalHeader | null;
  entries: JournalEntry[];
  /** True when an unacknowledged last line was dropped. */
  droppedTornLine: boolean;
}

function parseHeader(value: unknown): JournalHeader | null {
  if (typeof value !== "object" || value === null) return null;
  const header = value as Partial<JournalHeader>;
  if (header.orderformJournal !== JOURNAL_FORMAT_VERSION) return null;
  if (typeof header.lineage !== "string" || typeof header.baseSerial !== "number") return null;
  return { orderformJournal: JOURNAL_FORMAT_VERSION, lineage: header.lineage, baseSerial: header.baseSerial };
}

function tryParseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses journal text; `file` is only used in messages. */
export function parseJournalText(text: string, file: string): ParsedJournal {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop(); // the newline after the last complete record
  const result: ParsedJournal = { header: null, entries: [], droppedTornLine: false };
  for (const [index, line] of lines.entries()) {
    const isLast = index === lines.length - 1;
    const value = tryParseJson(line);
    const ok = index === 0 ? (result.header = parseHeader(value)) !== null : isJournalEntry(value);
    if (!ok) {
      // A complete record where the header belongs was not cut short by a kill: it is a record a
      // fenced-out run appended after the journal was emptied (docs/state.md, Fencing).
      const tornLine = !(index === 0 && isJournalEntry(value));
      if (isLast && tornLine) {
        result.droppedTornLine = true;
        break;
      }
      throw createStateError(
        "state.journal-corrupt",
        `Journal ${file} line ${index + 1} is not a valid ${index === 0 ? "header" : "record"}, and it is ${isLast ? "a complete record" : "not the last line"}, so it was not a write cut short by a kill.`,
        {
          hint: `The journal holds records of orders placed since the last state version. Keep a copy of ${file}, repair or remove the bad line, and run again; the records after it are folded in.`,
        },
      );
    }
    if (index > 0) result.entries.push(value as JournalEntry);
  }
  return result;
}

export function renderJournalHeader(lineage: string, baseSerial: number): string {
  const header: JournalHeader = { orderformJournal: JOURNAL_FORMAT_VERSION, lineage, baseSerial };
  return `${JSON.stringify(header)}\n`;
}

/**
 * The session's open journal: appends are durable when they resolve (fdatasync covers the size
 * change). Every failure is a state.write-failed naming the journal. A failed append may leave a
 * partly written last line; it was never acknowledged, and the next run drops it (see above), as
 * long as nothing is appended after it: the session stops using a journal whose write failed.
 */
export class JournalWriter {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<JournalWriter> {
    return writeChecked(path, async () => {
      const handle = await open(path, "a", FILE_MODE);
      try {
        // The journal may have just been created: make its directory entry durable too.
        await syncDirectory(dirname(path));
      } catch (error) {
        await handle.close();
        throw error;
      }
      return new JournalWriter(handle, path);
    });
  }

  async append(text: string): Promise<void> {
    await writeChecked(this.path, async () => {
      await this.handle.appendFile(text, "utf8");
      await this.handle.datasync();
    });
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  /** Empties the journal after its records reached a committed snapshot. */
  async truncate(): Promise<void> {
    await writeChecked(this.path, async () => {
      await this.handle.truncate(0);
      await this.handle.sync();
    });
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
