/**
 * The local file backend (`state.backend: local`); its files are listed in ./paths.ts and
 * described in docs/state.md. Files are created with mode 0600 and folders with 0700.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { OrderformError } from "../core/errors.js";
import type { StateFile } from "../core/model.js";
import { countJournalEntries, foldJournal } from "../core/state-journal.js";
import type { ImportedVersion, JournalEntry, LockInfo, StateSession, StateStore } from "./types.js";
import { readCiRun } from "./ci-run.js";
import {
  ensureDirectory,
  readFileIfExists,
  removeEmptyFile,
  syncDirectory,
  writeFileAtomic,
} from "./atomic-file.js";
import { createStateError } from "./errors.js";
import { checkEarlierCopy } from "./migrate-check.js";
import {
  createHistoryFileName,
  writeHistoryVersion,
  listHistorySerials,
  readHistoryListing,
  readHistoryVersion,
} from "./history.js";
import { readBaseState, readHistoryTop } from "./integrity.js";
import { parseJournalText } from "./journal.js";
import type { ParsedJournal } from "./journal.js";
import { acquireLock, forceUnlockFile, releaseLock, renderLockHolder } from "./lock.js";
import type { LockTakeover } from "./lock.js";
import { renderVerdict } from "./lock-takeover.js";
import { LocalSession } from "./local-session.js";
import { readOrphanJournals, removeOrphanJournals } from "./orphan.js";
import type { OrphanJournal } from "./orphan.js";
import { createStatePaths, readFingerprint } from "./paths.js";
import type { ProcessStatus } from "./process-identity.js";
import { readPidNamespace, readProcessStatus as readProcessStatusOnHost } from "./process-identity.js";
import { checkStateValue, parseStateJson } from "./validate-state.js";

export interface LocalStateStoreOptions {
  /** Project root: relative state paths resolve here, and `git rev-parse HEAD` runs here. */
  rootDir: string;
  /** The snapshot path P (default in config: orderform.state.json). */
  path: string;
  now?: () => Date;
  /** Commit of the project for history entries; undefined when not a git repository. */
  readGitCommit?: () => Promise<string | undefined>;
  user?: string;
  host?: string;
  pid?: number;
  /** Whether a pid runs on this host, and its start identity (./process-identity.ts). */
  readProcessStatus?: (pid: number) => Promise<ProcessStatus>;
  /** Receives notices for the user, e.g. that a lock was taken over (the CLI writes them to stderr). */
  notify?: (text: string) => void;
  /** Where the CI run holding a lock is read from (./ci-run.ts); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** `git rev-parse HEAD` in dir; undefined when git is missing or dir is not a repository. */
export function readGitHead(dir: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    execFile(
      "git",
      ["rev-parse", "HEAD"],
      { cwd: dir, timeout: 5000, windowsHide: true },
      (error, stdout) => {
        const head = stdout.trim();
        resolvePromise(error === null && /^[0-9a-f]{40,64}$/.test(head) ? head : undefined);
      },
    );
  });
}

function readUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

function renderRecoverySummary(
  entries: readonly JournalEntry[],
  header: ParsedJournal["header"],
  orphanFiles: number,
): string {
  const counts = countJournalEntries(entries);
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([type, count]) => `${count} ${type}`);
  const base = header === null ? "" : ` on top of serial ${header.baseSerial}`;
  const orphans = orphanFiles === 0 ? "" : ` (including ${orphanFiles} orphan journal file(s))`;
  return `recovered ${entries.length} journal record(s) left by an earlier run that did not commit them (killed, or fenced out)${base}${orphans}: ${parts.join(", ")}`;
}

function renderTakeover(takeover: LockTakeover): string {
  return `took over the state lock of ${renderLockHolder(takeover.holder)}: ${renderVerdict(takeover.holder, takeover.verdict)}`;
}

/** The records left for this run: the journal's, then each orphan journal's (see ./orphan.ts). */
function collectLeftovers(journal: ParsedJournal | null, orphans: readonly OrphanJournal[]): JournalEntry[] {
  return [...(journal?.entries ?? []), ...orphans.flatMap((orphan) => orphan.journal.entries)];
}

export function createLocalStateStore(options: LocalStateStoreOptions): StateStore {
  const paths = createStatePaths(options.rootDir, options.path);
  const now = options.now ?? (() => new Date());
  const user = options.user ?? readUserName();
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const readProcessStatus = options.readProcessStatus ?? readProcessStatusOnHost;
  const notify = options.notify ?? (() => undefined);
  const readGitCommit = options.readGitCommit ?? (() => readGitHead(options.rootDir));
  const pidNamespace = readPidNamespace();
  const lockEnv = { host, readProcessStatus, ...(pidNamespace === undefined ? {} : { pidNamespace }) };

  async function createCorruptHint(): Promise<string> {
    const serials = await listHistorySerials(paths.history).catch(() => []);
    const last = serials[serials.length - 1];
    if (last === undefined) return `There is no history folder ${paths.history} to restore from.`;
    const file = join(paths.history, createHistoryFileName(last));
    return `The last good version is serial ${last} in ${file}; its "state" member is a complete state file (e.g. \`jq .state ${file} > ${paths.state}\`).`;
  }

  /**
   * The snapshot's text is read and parsed in a function of its own, so that nothing holds the text
   * (about 1 KB per order) while the parsed records are validated, and a garbage collection then
   * does not count it as live (docs/performance.md, "Plan cost").
   */
  async function readSnapshotJson(): Promise<{ value: unknown } | null> {
    const text = await readFileIfExists(paths.state);
    if (text === null) return null;
    return { value: await readWithCorruptHint(() => parseStateJson(text, paths.state)) };
  }

  async function readSnapshot(): Promise<StateFile | null> {
    const parsed = await readSnapshotJson();
    if (parsed === null) return null;
    return readWithCorruptHint(() => checkStateValue(parsed.value, paths.state));
  }

  /** `read()`, with the hint to the last good version on a state error. */
  async function readWithCorruptHint<T>(read: () => T): Promise<T> {
    try {
      return read();
    } catch (error) {
      // Only build the hint (a directory listing) on the failure path.
      if (!(error instanceof OrderformError)) throw error;
      throw new OrderformError(error.code, error.message, { hint: await createCorruptHint(), cause: error });
    }
  }

  async function readJournal(): Promise<ParsedJournal | null> {
    const text = await readFileIfExists(paths.journal);
    if (text === null) return null;
    return parseJournalText(text, paths.journal);
  }

  /** Orphan journals must belong to the state they are folded into. */
  function checkOrphanLineage(orphans: readonly OrphanJournal[], lineage: string): void {
    for (const orphan of orphans) {
      const header = orphan.journal.header;
      if (header !== null && header.lineage !== lineage) {
        throw createStateError(
          "state.lineage-mismatch",
          `Orphan journal ${orphan.file} belongs to state lineage ${header.lineage}, but the state has lineage ${lineage}.`,
          {
            hint: `Keep a copy of ${orphan.file} (it records orders placed), then restore the matching state file from ${paths.history}.`,
          },
        );
      }
    }
  }

  /** One consistent read: history's newest version first, then the snapshot, the journal and orphans. */
  async function readOnce(): Promise<StateFile | null> {
    const top = await readHistoryTop(paths);
    const snapshot = await readSnapshot();
    const journal = await readJournal();
    const orphans = await readOrphanJournals(paths.journal);
    const leftovers = collectLeftovers(journal, orphans);
    const orphanEntries = orphans.flatMap((orphan) => orphan.journal.entries);
    const base = await readBaseState(paths, snapshot, journal, top, orphanEntries);
    if (snapshot === null && leftovers.length === 0) return null;
    checkOrphanLineage(orphans, base.lineage);
    return leftovers.length === 0 ? base : foldJournal(base, leftovers);
  }

  async function read(): Promise<StateFile | null> {
    // A commit by a concurrent run (history, then snapshot, then journal emptied) can make one read
    // see the old snapshot but the emptied journal: it looks rolled back. Reading again settles it.
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await readOnce();
      } catch (error) {
        if (attempt >= 2 || !(error instanceof OrderformError) || error.code !== "state.rolled-back")
          throw error;
      }
    }
  }

  async function open(
    operation: string,
    openOptions: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<StateSession> {
    await ensureDirectory(dirname(paths.state));
    const startTime = (await readProcessStatus(pid)).startTime;
    const ci = readCiRun(options.env ?? process.env);
    const lock: LockInfo = {
      id: randomUUID(),
      owner: user,
      host,
      pid,
      ...(startTime === undefined ? {} : { startTime }),
      ...(pidNamespace === undefined ? {} : { pidNamespace }),
      started: now().toISOString(),
      operation,
      ...(ci === undefined ? {} : { ci }),
    };
    const { takenOver } = await acquireLock(
      paths.lock,
      lock,
      lockEnv,
      // The wait runs on the monotonic clock, not the injected `now` (which only stamps records).
      { timeoutMs: openOptions.timeoutMs, signal: openOptions.signal, now: () => performance.now() },
    );
    let session: LocalSession | undefined;
    try {
      const fingerprint = await readFingerprint(paths.state);
      const top = await readHistoryTop(paths);
      const snapshot = await readSnapshot();
      const journal = await readJournal();
      const orphans = await readOrphanJournals(paths.journal);
      const orphanEntries = orphans.flatMap((orphan) => orphan.journal.entries);
      const base = await readBaseState(paths, snapshot, journal, top, orphanEntries);
      checkOrphanLineage(orphans, base.lineage);
      session = new LocalSession({
        paths,
        lock,
        state: base,
        fingerprint,
        historySerial: top?.serial ?? 0,
        now,
        user,
        host,
        readGitCommit,
      });
      const leftovers = collectLeftovers(journal, orphans);
      const orphanFiles = orphans.map(({ file, size }) => ({ file, size }));
      const recovered =
        leftovers.length === 0
          ? "no journal records to recover"
          : renderRecoverySummary(leftovers, journal?.header ?? null, orphans.length);
      if (takenOver !== undefined) {
        await session.recover(leftovers, orphanFiles, {
          command: "lock takeover",
          summary: `${renderTakeover(takenOver)}; ${recovered}`,
        });
        notify(
          `orderform: ${renderTakeover(takenOver)}. Recovered ${leftovers.length} journal record(s) left by that run; recorded the takeover as state version ${session.current().serial}.\n`,
        );
      } else if (leftovers.length > 0) {
        await session.recover(leftovers, orphanFiles, { command: "recover", summary: recovered });
      } else if (journal !== null || orphanFiles.length > 0) {
        // Only a header or a torn first record: nothing was acknowledged.
        await removeEmptyFile(paths.journal);
        await removeOrphanJournals(orphanFiles);
        await syncDirectory(dirname(paths.journal));
      }
      return session;
    } catch (error) {
      if (session !== undefined) await session.release().catch(() => undefined);
      else await releaseLock(paths.lock, lock.id).catch(() => undefined);
      throw error;
    }
  }

  /** `state migrate` into this backend: history files created once, then the snapshot. */
  async function importVersions(
    versions: readonly ImportedVersion[],
    lockTimeoutMs: number,
  ): Promise<number> {
    const session = await open("state migrate", { timeoutMs: lockTimeoutMs });
    try {
      const existing = session.current().serial === 0 ? null : session.current();
      const first = versions[0];
      if (first === undefined) return 0;
      if (existing !== null && existing.lineage !== first.state.lineage) {
        throw createStateError(
          "state.migrate-other-lineage",
          `${paths.state} already holds another state (lineage ${existing.lineage}, serial ${existing.serial}); nothing was copied.`,
          { hint: "Migrate into an empty place: another state path." },
        );
      }
      if (existing !== null) checkEarlierCopy(paths.state, existing, versions);
      let last: StateFile | undefined;
      let copied = 0;
      for (const version of versions) {
        if (existing !== null && version.meta.serial <= existing.serial) continue;
        await writeHistoryVersion(paths.history, version.meta, version.state);
        last = version.state;
        copied += 1;
      }
      if (last !== undefined) await writeFileAtomic(paths.state, `${JSON.stringify(last, null, 2)}\n`);
      return copied;
    } finally {
      await session.release();
    }
  }

  return {
    read,
    open,
    importVersions,
    forceUnlock: async (lockId, unlockOptions) => {
      const { holder, verdict } = await forceUnlockFile(paths.lock, lockId, lockEnv, {
        force: unlockOptions?.force === true,
      });
      return {
        holder,
        running: verdict.kind === "alive",
        checked: verdict.kind === "alive" || verdict.kind === "exited" || verdict.kind === "recycled",
      };
    },
    listHistory: async () => (await readHistoryListing(paths.history)).entries,
    readHistoryListing: () => readHistoryListing(paths.history),
    readVersion: (serial) => readHistoryVersion(paths.history, serial),
  };
}
