/**
 * Orphan journals `P.journal.orphan-<lock id>`: where a session puts an order record (created or
 * failed: an order already bought or refused) that it cannot append to `P.journal`, because it lost
 * the lock (fencing) or the journal write failed. The format is the journal's (header, then one
 * record per line, each fsynced). The next session that takes the lock folds every orphan journal
 * in after the main journal and removes it once that is committed. See docs/state.md.
 */
import { lstat, open, readdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { JournalEntry } from "./types.js";
import { FILE_MODE, isNotFound, readFileIfExists, syncDirectory } from "./atomic-file.js";
import { createReadFailedError, writeChecked } from "./errors.js";
import { parseJournalText, renderJournalHeader } from "./journal.js";
import type { ParsedJournal } from "./journal.js";

export function createOrphanPath(journalPath: string, lockId: string): string {
  return `${journalPath}.orphan-${lockId}`;
}

/** Appends one record (with a header first when the file is new) and fsyncs file and folder. */
export async function writeOrphanRecord(
  file: string,
  header: { lineage: string; baseSerial: number },
  entry: JournalEntry,
): Promise<void> {
  await writeChecked(file, async () => {
    const handle = await open(file, "a", FILE_MODE);
    try {
      const isNew = (await handle.stat()).size === 0;
      const prefix = isNew ? renderJournalHeader(header.lineage, header.baseSerial) : "";
      await handle.appendFile(`${prefix}${JSON.stringify(entry)}\n`, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(dirname(file));
  });
}

export interface OrphanJournal {
  file: string;
  journal: ParsedJournal;
  /** Its size in bytes when read: a run still writing to it makes it grow (see removeOrphanJournals). */
  size: number;
}

/** Every orphan journal next to journalPath, sorted by name (a lock id, not an age); [] when there is none. */
export async function readOrphanJournals(journalPath: string): Promise<OrphanJournal[]> {
  const dir = dirname(journalPath);
  const prefix = `${basename(journalPath)}.orphan-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw createReadFailedError(dir, error);
  }
  const orphans: OrphanJournal[] = [];
  for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
    const file = join(dir, name);
    const text = await readFileIfExists(file);
    if (text !== null) {
      orphans.push({ file, journal: parseJournalText(text, file), size: Buffer.byteLength(text, "utf8") });
    }
  }
  return orphans;
}

/**
 * Removes orphan journals whose records were committed. A file that grew since it was read (a run
 * fenced out but still alive saved another record to it meanwhile) is kept: the next run folds it
 * in again, which is harmless for the records already committed.
 */
export async function removeOrphanJournals(files: readonly { file: string; size: number }[]): Promise<void> {
  if (files.length === 0) return;
  for (const { file, size } of files) {
    await writeChecked(file, async () => {
      try {
        const info = await lstat(file);
        if (!info.isFile() || info.size !== size) return;
        await unlink(file);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }
  await syncDirectory(dirname(files[0]?.file ?? "."));
}
