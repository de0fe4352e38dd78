/**
 * A StateStore over a shared-state driver (./driver.ts): the same contract as the local backend
 * (src/state/types.ts), for Azure Blob Storage and PostgreSQL. docs/backends.md describes it.
 *
 * - read() folds the shared journal into the snapshot in memory, as the local backend does.
 * - open() takes the lease; a journal left by a run whose lease ran out (it was killed or cut off)
 *   is folded and committed as a "recover" version before anything else, so its pending intents
 *   are resumed with their own request ids.
 * - force-unlock breaks the lease: the holder, if it still runs, is fenced out.
 */
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { StateFile } from "../../core/model.js";
import { countJournalEntries, createEmptyState, foldJournal } from "../../core/state-journal.js";
import { readCiRun } from "../ci-run.js";
import { checkEarlierCopy } from "../migrate-check.js";
import { createStateError } from "../errors.js";
import type { ImportedVersion, JournalEntry, LockInfo, StateSession, StateStore } from "../types.js";
import type { RemoteJournal, RemoteSnapshot, RemoteStateDriver } from "./driver.js";
import { RemoteSession } from "./remote-session.js";

export interface RemoteStateStoreOptions {
  driver: RemoteStateDriver;
  now?: () => Date;
  user?: string;
  host?: string;
  pid?: number;
  env?: NodeJS.ProcessEnv;
  readGitCommit: () => Promise<string | undefined>;
  /** Receives notices for the user (the CLI writes them to stderr). */
  notify?: (text: string) => void;
}

function readUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

function renderRecoverySummary(entries: readonly JournalEntry[], journal: RemoteJournal): string {
  const counts = Object.entries(countJournalEntries(entries))
    .filter(([, count]) => count > 0)
    .map(([type, count]) => `${count} ${type}`);
  const base = journal.header === null ? "" : ` on top of serial ${journal.header.baseSerial}`;
  return `recovered ${entries.length} journal record(s) left by a run whose lock ended${base}: ${counts.join(", ")}`;
}

export function createRemoteStateStore(options: RemoteStateStoreOptions): StateStore {
  const { driver } = options;
  const now = options.now ?? (() => new Date());
  const user = options.user ?? readUserName();
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const notify = options.notify ?? (() => undefined);

  function checkJournal(snapshot: RemoteSnapshot | null, journal: RemoteJournal): void {
    const header = journal.header;
    if (snapshot !== null && header !== null && header.lineage !== snapshot.state.lineage) {
      throw createStateError(
        "state.lineage-mismatch",
        `The shared journal of ${driver.description} belongs to state lineage ${header.lineage}, but its snapshot has lineage ${snapshot.state.lineage}.`,
        {
          hint: "The snapshot was replaced outside orderform while a run was interrupted. The journal records orders placed: keep a copy of it, then restore the snapshot of its lineage from history.",
        },
      );
    }
  }

  async function read(): Promise<StateFile | null> {
    const snapshot = await driver.readSnapshot();
    const journal = await driver.readJournal();
    checkJournal(snapshot, journal);
    if (snapshot === null && journal.entries.length === 0) return null;
    const base = snapshot?.state ?? createEmptyState(journal.header?.lineage ?? randomUUID());
    return journal.entries.length === 0 ? base : foldJournal(base, journal.entries);
  }

  function createLockInfo(operation: string): LockInfo {
    const ci = readCiRun(options.env ?? process.env);
    return {
      id: randomUUID(),
      owner: user,
      host,
      pid,
      started: now().toISOString(),
      operation,
      ...(ci === undefined ? {} : { ci }),
    };
  }

  async function open(
    operation: string,
    openOptions: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<StateSession> {
    const lock = createLockInfo(operation);
    const remoteLock = await driver.acquireLock(lock, openOptions);
    let session: RemoteSession | undefined;
    try {
      const snapshot = await driver.readSnapshot();
      const journal = await driver.readJournal();
      checkJournal(snapshot, journal);
      const state = snapshot?.state ?? createEmptyState(journal.header?.lineage ?? randomUUID());
      // History may hold a version above the snapshot (a commit cut short after its history
      // version, or a fenced run's): new versions go above it, since history is never overwritten.
      const listing = await driver.readHistoryListing();
      const historySerial = Math.max(
        state.serial,
        ...listing.entries.map((e) => e.serial),
        ...listing.damaged.map((d) => d.serial),
      );
      session = new RemoteSession({
        driver,
        remoteLock,
        lock,
        state,
        token: snapshot?.token ?? null,
        historySerial,
        now,
        user,
        host,
        readGitCommit: options.readGitCommit,
      });
      if (journal.entries.length > 0) {
        const summary = renderRecoverySummary(journal.entries, journal);
        await session.recover(journal.entries, { command: "recover", summary });
        notify(
          `orderform: ${summary}; recorded as state version ${session.current().serial} of ${driver.description}.\n`,
        );
      }
      return session;
    } catch (error) {
      if (session !== undefined) await session.release().catch(() => undefined);
      else await remoteLock.release().catch(() => undefined);
      throw error;
    }
  }

  async function importVersions(
    versions: readonly ImportedVersion[],
    lockTimeoutMs: number,
  ): Promise<number> {
    const lock = createLockInfo("state migrate");
    const remoteLock = await driver.acquireLock(lock, { timeoutMs: lockTimeoutMs });
    try {
      const snapshot = await driver.readSnapshot();
      const journal = await driver.readJournal();
      const existing = snapshot?.state ?? null;
      const first = versions[0];
      if (first === undefined) return 0;
      if (existing !== null && existing.lineage !== first.state.lineage) {
        throw createStateError(
          "state.migrate-other-lineage",
          `${driver.description} already holds another state (lineage ${existing.lineage}, serial ${existing.serial}); nothing was copied.`,
          { hint: "Migrate into an empty place: another state name, container or schema." },
        );
      }
      if (existing !== null) checkEarlierCopy(driver.description, existing, versions);
      if (journal.entries.length > 0) {
        throw createStateError(
          "state.migrate-target-busy",
          `${driver.description} holds a journal of ${journal.entries.length} record(s) not yet committed; nothing was copied.`,
          {
            hint: "Those records were left by a run that ended without committing them. Migrate into an empty place, or let a run that takes that lock fold them in first: `orderform --config FILE apply` does so before it plans (review its plan before approving).",
          },
        );
      }
      let token = snapshot?.token ?? null;
      let copied = 0;
      for (const version of versions) {
        if (existing !== null && version.meta.serial <= existing.serial) continue;
        token = await remoteLock.commit(version.state, version.meta, token);
        copied += 1;
      }
      return copied;
    } finally {
      await remoteLock.release();
    }
  }

  return {
    read,
    open,
    // The holder may run anywhere: it cannot be checked, and breaking its lease fences it out.
    forceUnlock: async (lockId) => ({
      holder: await driver.breakLock(lockId),
      running: false,
      checked: false,
    }),
    listHistory: async () => (await driver.readHistoryListing()).entries,
    readHistoryListing: () => driver.readHistoryListing(),
    readVersion: (serial) => driver.readHistoryVersion(serial),
    importVersions,
  };
}
