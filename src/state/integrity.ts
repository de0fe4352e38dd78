/**
 * Integrity of the snapshot against history, checked on every read and open (docs/state.md,
 * "Integrity checks"). History is written before the snapshot and never overwritten, so its newest
 * version is the last state any run committed. A snapshot below it was rolled back (restored from a
 * backup, copied from another checkout, reverted in git): using it would forget orders and could
 * buy them again, so it is refused (state.rolled-back). A snapshot of another lineage than history's
 * newest version belongs to another state (state.lineage-mismatch).
 *
 * Cost: one readdir of the history folder and the first line of its newest file. The newest
 * version's full state is read only when the snapshot is exactly one serial behind, to tell an
 * interrupted commit (see below) from a rollback.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { StateFile } from "../core/model.js";
import { createEmptyState, foldJournal } from "../core/state-journal.js";
import { OrderformError } from "../core/errors.js";
import type { HistoryEntry, JournalEntry } from "./types.js";
import { createStateError } from "./errors.js";
import { findNewestHistoryFile, readHistoryMeta, readHistoryVersion } from "./history.js";
import type { ParsedJournal } from "./journal.js";
import type { StatePaths } from "./paths.js";

export interface HistoryTop {
  serial: number;
  file: string;
  meta: HistoryEntry;
}

/** History's newest version (serial from the file name, meta from its first line), or null. */
export async function readHistoryTop(paths: StatePaths): Promise<HistoryTop | null> {
  const newest = await findNewestHistoryFile(paths.history);
  if (newest === null) return null;
  try {
    const meta = await readHistoryMeta(newest.file);
    if (meta.serial !== newest.serial) {
      // Not a version orderform wrote under this name (copied or renamed by hand): `state history`
      // lists it as damaged, and it must not stand for history's newest version either.
      throw createStateError(
        "state.corrupt",
        `History file ${newest.file} says serial ${meta.serial} in its meta, not ${newest.serial}.`,
      );
    }
    return { ...newest, meta };
  } catch (error) {
    if (!(error instanceof OrderformError)) throw error;
    throw new OrderformError(error.code, error.message, {
      hint: `It is history's newest version, which every read checks the state file against. Restore it from a backup, or move it out of ${paths.history} if it is not a version orderform wrote.`,
      cause: error,
    });
  }
}

function renderRestoreCommand(paths: StatePaths, top: HistoryTop): string {
  return `\`jq .state ${top.file} > ${paths.state}\``;
}

function createRolledBackError(paths: StatePaths, snapshot: StateFile, top: HistoryTop): OrderformError {
  return createStateError(
    "state.rolled-back",
    `State file ${paths.state} is at serial ${snapshot.serial}, but history's newest version is serial ${top.serial} (${top.meta.command} by ${top.meta.user}@${top.meta.host} at ${top.meta.time}): the state file was replaced by an older version. Using it could forget orders that later versions record, and buy them again; nothing was read or changed.`,
    {
      hint: `Restore the newest version: its "state" member is a complete state file (${renderRestoreCommand(paths, top)}). Only if you rolled back on purpose (the orders recorded only in later versions are then forgotten, and apply may buy them again), keep history and give the older state the newest serial: \`jq '.serial = ${top.serial}' ${paths.state} > ${paths.state}.new && mv ${paths.state}.new ${paths.state}\`.`,
    },
  );
}

function createLineageError(paths: StatePaths, snapshot: StateFile, top: HistoryTop): OrderformError {
  return createStateError(
    "state.lineage-mismatch",
    `State file ${paths.state} has lineage ${snapshot.lineage}, but history's newest version (serial ${top.serial}, ${top.file}) has lineage ${top.meta.lineage}: the state file belongs to another state (another project or checkout); nothing was read or changed.`,
    {
      hint: `Restore this state's newest version: its "state" member is a complete state file (${renderRestoreCommand(paths, top)}). If the state file is the one you want, move the history that does not belong to it away first (\`mv ${paths.history} ${paths.history}.old\`).`,
    },
  );
}

function isSameContent(a: StateFile, b: StateFile): boolean {
  return isDeepStrictEqual({ ...a, serial: 0 }, { ...b, serial: 0 });
}

/**
 * A commit writes history version N+1 before it replaces the snapshot at N; a kill in between
 * leaves the snapshot one serial behind history. That is not a rollback when the journal holds the
 * interrupted commit's records (same lineage, on top of N), or when version N+1 holds the same
 * content as the snapshot with the journal and orphan journals folded in (a commit of orphan
 * records only, or one that recorded only an event, such as a lock takeover).
 */
async function checkInterruptedCommit(
  paths: StatePaths,
  snapshot: StateFile,
  journal: ParsedJournal | null,
  top: HistoryTop,
  orphanEntries: readonly JournalEntry[],
): Promise<boolean> {
  if (top.serial !== snapshot.serial + 1) return false;
  const header = journal?.header ?? null;
  const entries = journal?.entries ?? [];
  if (header !== null && header.lineage === snapshot.lineage && header.baseSerial === snapshot.serial) {
    if (entries.length > 0) return true;
  }
  const leftovers = [...entries, ...orphanEntries];
  const expected = leftovers.length === 0 ? snapshot : foldJournal(snapshot, leftovers);
  return isSameContent(await readHistoryVersion(paths.history, top.serial), expected);
}

/**
 * The state a session or read starts from, checked against history. Without a snapshot, history
 * means the state file was deleted or moved: starting a new lineage would reuse their serials, so it
 * is refused (state.missing), except where it is expected: a first commit killed before renaming
 * the snapshot (its journal is still there), or a version 1 with nothing in it.
 */
export async function readBaseState(
  paths: StatePaths,
  snapshot: StateFile | null,
  journal: ParsedJournal | null,
  top: HistoryTop | null,
  orphanEntries: readonly JournalEntry[] = [],
): Promise<StateFile> {
  const header = journal?.header ?? null;
  if (snapshot !== null) {
    if (header !== null && header.lineage !== snapshot.lineage) {
      throw createStateError(
        "state.lineage-mismatch",
        `Journal ${paths.journal} belongs to state lineage ${header.lineage}, but ${paths.state} has lineage ${snapshot.lineage}.`,
        {
          hint: `The state file was replaced while a run was interrupted. Keep a copy of the journal (it records orders placed), then restore the matching state file from ${paths.history}.`,
        },
      );
    }
    if (top !== null) {
      if (top.meta.lineage !== snapshot.lineage) throw createLineageError(paths, snapshot, top);
      if (
        snapshot.serial < top.serial &&
        !(await checkInterruptedCommit(paths, snapshot, journal, top, orphanEntries))
      ) {
        throw createRolledBackError(paths, snapshot, top);
      }
    }
    return snapshot;
  }
  if (top === null) return createEmptyState(header?.lineage ?? randomUUID());
  const isFirstCommitCrash =
    header !== null && header.lineage === top.meta.lineage && header.baseSerial === 0 && top.serial === 1;
  if (isFirstCommitCrash) return createEmptyState(header.lineage);
  if (top.serial === 1 && header === null) {
    const empty = createEmptyState(top.meta.lineage);
    if (isSameContent(await readHistoryVersion(paths.history, 1), empty)) return empty;
  }
  throw createStateError(
    "state.missing",
    `State file ${paths.state} does not exist, but ${paths.history} holds versions up to serial ${top.serial} (lineage ${top.meta.lineage}).`,
    {
      hint: `Restore the last version: its "state" member is a complete state file (${renderRestoreCommand(paths, top)}). To start a new state instead, move ${paths.history} away first.`,
    },
  );
}
