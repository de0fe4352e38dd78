/**
 * The PostgreSQL state driver (`state: { backend: pg }`), implementing ./driver.ts. Layout:
 * ./pg-schema.ts; the lock, its lease and the fenced writes: ./pg-lock.ts; errors: ./pg-errors.ts.
 * docs/backends.md describes tables, lock key, TTL, poolers and the permissions needed.
 *
 * Reads use a small pool closed by close(); each lock has its own connection. Reads of a schema or
 * table that does not exist yet see an empty state (nothing was stored), so that a user with read
 * rights only can plan; the tables are created (when missing) by the first acquireLock.
 */
import type pg from "pg";
import type { StateFile } from "../../core/model.js";
import { createStateError } from "../errors.js";
import { renderLockHolder } from "../lock-record.js";
import type { DamagedHistoryFile, HistoryEntry, LockInfo } from "../types.js";
import type { RemoteJournal, RemoteLockHolder, RemoteSnapshot, RemoteStateDriver } from "./driver.js";
import {
  createConnectError,
  createForbiddenError,
  createReadError,
  readSqlState,
  type PgTarget,
} from "./pg-errors.js";
import { PgLock } from "./pg-lock.js";
import {
  checkLockInfo,
  createHistoryListing,
  createJournalFromRows,
  parseStateData,
  type HolderRow,
  type JournalRow,
} from "./pg-rows.js";
import { createPgTarget, openLockSession, openPgPool, sleepUnlessAborted } from "./pg-connection.js";
import {
  computeAdvisoryKey,
  createTables,
  isMissingRelation,
  renderAdvisoryMatch,
  writeSchemaIfMissing,
  type PgTables,
} from "./pg-schema.js";

export interface PgDriverOptions {
  /** Read by the CLI from the variable named in state.connectionStringEnv; never shown. */
  connectionString: string;
  schema: string;
  name: string;
  /** The lease: the server ends a silent holder's session after this. Tests may go below 15. */
  lockTtlSeconds: number;
  now?: () => Date;
}

export function createPgDriver(options: PgDriverOptions): RemoteStateDriver {
  return new PgDriver(options);
}

class PgDriver implements RemoteStateDriver {
  readonly description: string;
  private readonly target: PgTarget;
  private readonly tables: PgTables;
  private readonly key: string;
  private readonly ttlMs: number;
  private readonly now: () => Date;
  private pool: pg.Pool | undefined;
  private schemaReady: Promise<void> | undefined;
  private readonly locks = new Set<PgLock>();

  constructor(private readonly options: PgDriverOptions) {
    this.target = createPgTarget(options.connectionString, options.schema, options.name);
    this.description = this.target.description;
    this.tables = createTables(options.schema);
    this.key = computeAdvisoryKey("state", options.schema, options.name);
    this.ttlMs = Math.round(options.lockTtlSeconds * 1000);
    this.now = options.now ?? (() => new Date());
  }

  async readSnapshot(): Promise<RemoteSnapshot | null> {
    const where = `${this.description} (table states)`;
    const rows = await this.read(
      "the snapshot",
      [] as { serial: string; data: string }[],
      async (c) =>
        (
          await c.query<{ serial: string; data: string }>(
            `SELECT serial::text AS serial, data FROM ${this.tables.states} WHERE name = $1`,
            [this.options.name],
          )
        ).rows,
    );
    const row = rows[0];
    if (row === undefined) return null;
    const state = parseStateData(row.data, where);
    if (String(state.serial) !== row.serial) {
      throw createStateError(
        "state.corrupt",
        `State ${where} has serial ${row.serial} in its row but ${state.serial} in its data. It was left unchanged.`,
      );
    }
    return { state, token: row.serial };
  }

  async readJournal(): Promise<RemoteJournal> {
    const t = this.tables;
    // One statement: one snapshot of header and records, even while the holder appends or commits.
    const rows = await this.read("the journal", [] as JournalRow[], async (c) => {
      const sql = `SELECT h.format, h.lineage, h.base_serial::text AS base_serial, j.seq::text AS seq, j.entry
        FROM (SELECT 1) AS one LEFT JOIN ${t.journalHeader} h ON h.name = $1 LEFT JOIN ${t.journal} j ON j.name = $1
        ORDER BY j.seq`;
      return (await c.query<JournalRow>(sql, [this.options.name])).rows;
    });
    return createJournalFromRows(rows, this.description);
  }

  async readHistoryListing(): Promise<{ entries: HistoryEntry[]; damaged: DamagedHistoryFile[] }> {
    const rows = await this.read(
      "the history",
      [] as { serial: string; meta: unknown }[],
      async (c) =>
        (
          await c.query<{ serial: string; meta: unknown }>(
            `SELECT serial::text AS serial, meta FROM ${this.tables.history} WHERE name = $1 ORDER BY serial`,
            [this.options.name],
          )
        ).rows,
    );
    return createHistoryListing(rows, this.description);
  }

  async readHistoryVersion(serial: number): Promise<StateFile> {
    const where = `${this.description} (table history, serial ${serial})`;
    const rows = await this.read(
      "the history",
      [] as { data: string }[],
      async (c) =>
        (
          await c.query<{ data: string }>(
            `SELECT data FROM ${this.tables.history} WHERE name = $1 AND serial = $2`,
            [this.options.name, serial],
          )
        ).rows,
    );
    if (rows[0] === undefined) {
      throw createStateError(
        "state.version-not-found",
        `${this.description} has no history version ${serial}.`,
        {
          hint: "`orderform state list` shows the versions there are.",
        },
      );
    }
    return parseStateData(rows[0].data, where);
  }

  async readLockHolder(): Promise<RemoteLockHolder | null> {
    for (let attempt = 0; ; attempt += 1) {
      const rows = await this.read(
        "the lock",
        [] as HolderRow[],
        async (c) =>
          (
            await c.query<HolderRow>(
              `SELECT l.pid, k.lock_id, k.info, k.backend_pid, k.lease_seconds, k.renewed_at
             FROM pg_catalog.pg_locks l LEFT JOIN ${this.tables.locks} k ON k.name = $2
             WHERE ${renderAdvisoryMatch("$1")}`,
              [this.key, this.options.name],
            )
          ).rows,
      );
      const row = rows[0];
      if (row === undefined) return null; // no session holds the advisory lock (a leftover row is stale)
      const info = checkLockInfo(row.info);
      if (row.backend_pid === row.pid && info !== undefined) {
        const expires =
          row.renewed_at !== null && row.lease_seconds !== null
            ? new Date(row.renewed_at.getTime() + row.lease_seconds * 1000).toISOString()
            : undefined;
        return expires === undefined ? { info } : { info, expires };
      }
      // The holder has the advisory lock but has not written its row yet (or is not orderform).
      if (attempt >= 10) {
        return {
          info: {
            id: "unknown",
            owner: "unknown",
            host: "unknown",
            pid: 0,
            started: "",
            operation: `unknown (PostgreSQL backend pid ${row.pid})`,
          },
        };
      }
      await sleepUnlessAborted(50, undefined);
    }
  }

  async acquireLock(info: LockInfo, options: { timeoutMs: number; signal?: AbortSignal }): Promise<PgLock> {
    const started = Date.now();
    await this.writeSchema();
    const client = await openLockSession(this.options.connectionString, this.target, this.ttlMs);
    const t = this.tables;
    try {
      for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
        if (options.signal?.aborted === true) throw this.createAbortedError();
        const got = await client.query(
          `WITH l AS (SELECT pg_try_advisory_lock($1::bigint) AS ok)
           INSERT INTO ${t.locks} (name, lock_id, info, backend_pid, lease_seconds, acquired_at, renewed_at)
             SELECT $2, $3, $4, pg_backend_pid(), $5, now(), now() FROM l WHERE l.ok
           ON CONFLICT (name) DO UPDATE SET lock_id = excluded.lock_id, info = excluded.info,
             backend_pid = excluded.backend_pid, lease_seconds = excluded.lease_seconds,
             acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at`,
          [this.key, this.options.name, info.id, JSON.stringify(info), Math.ceil(this.ttlMs / 1000)],
        );
        if (got.rowCount === 1) {
          const lock = new PgLock({
            client,
            target: this.target,
            tables: t,
            name: this.options.name,
            lockId: info.id,
            key: this.key,
            ttlMs: this.ttlMs,
          });
          this.locks.add(lock);
          return lock;
        }
        const remaining = options.timeoutMs - (Date.now() - started);
        if (remaining <= 0) throw await this.createLockedError();
        // Polls stay well inside idle_session_timeout, which this session runs with already.
        const slept = await sleepUnlessAborted(Math.min(delay, remaining, this.ttlMs / 3), options.signal);
        if (!slept) throw this.createAbortedError();
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw createReadError(this.target, "the lock", error);
    }
  }

  async breakLock(lockId: string): Promise<LockInfo> {
    type Row = { lock_id: string; info: unknown; backend_pid: number };
    const rows = await this.read(
      "the lock",
      [] as Row[],
      async (c) =>
        (
          await c.query<Row>(`SELECT lock_id, info, backend_pid FROM ${this.tables.locks} WHERE name = $1`, [
            this.options.name,
          ])
        ).rows,
    );
    const row = rows[0];
    const holder = await this.readLockHolder();
    const info = checkLockInfo(row?.info);
    if (row === undefined || info === undefined || row.lock_id !== lockId) {
      const now = holder === null ? "the lock is free" : `it is held by ${renderLockHolder(holder.info)}`;
      throw createStateError(
        "state.lock-not-found",
        `${this.description} has no lock with id ${lockId}: ${now}.`,
        {
          hint:
            holder === null
              ? undefined
              : `To break that lock, run \`orderform force-unlock ${holder.info.id}\`.`,
        },
      );
    }
    await this.read("the lock", undefined, async (c) => {
      try {
        // Ends the holder's session only if it still holds this state's lock (a pid can be reused);
        // waits up to 5 s for it to exit, so its lock is free and its writes are fenced when this returns.
        await c.query(
          `SELECT pg_terminate_backend(pid, 5000) FROM pg_catalog.pg_locks WHERE pid = $2 AND ${renderAdvisoryMatch("$1")}`,
          [this.key, row.backend_pid],
        );
      } catch (error) {
        if (readSqlState(error) === "42501")
          throw createForbiddenError(this.target, "end the holder's session", error);
        throw error;
      }
      await c.query(`DELETE FROM ${this.tables.locks} WHERE name = $1 AND lock_id = $2`, [
        this.options.name,
        lockId,
      ]);
    });
    return info;
  }

  async close(): Promise<void> {
    const locks = [...this.locks];
    this.locks.clear();
    await Promise.all(locks.map((lock) => lock.abandon()));
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch(() => undefined);
  }

  private async createLockedError(): Promise<Error> {
    const holder = await this.readLockHolder();
    const who = holder === null ? "another session that has just released it" : renderLockHolder(holder.info);
    const lease =
      holder?.expires === undefined
        ? ""
        : ` Its holder renews its lease while it runs; if it is paused or cut off, the server ends its session and frees the lock by ${holder.expires} (in ${Math.max(0, Math.round((Date.parse(holder.expires) - this.now().getTime()) / 1000))} s).`;
    return createStateError("state.locked", `${this.description} is locked by ${who}.${lease}`, {
      hint:
        holder === null
          ? "Try again."
          : `Wait for that run to finish (or raise the lock timeout). If it is gone for good and the lock remains, run \`orderform force-unlock ${holder.info.id}\`.`,
    });
  }

  private createAbortedError(): Error {
    return createStateError("state.lock-aborted", `Stopped waiting for the lock on ${this.description}.`);
  }

  private writeSchema(): Promise<void> {
    this.schemaReady ??= this.read("the schema", undefined, async (c) => {
      try {
        await writeSchemaIfMissing(c, this.options.schema, this.tables);
      } catch (error) {
        if (readSqlState(error) === "42501")
          throw createForbiddenError(this.target, "create the schema", error);
        throw error;
      }
    }).catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    return this.schemaReady;
  }

  /** Runs a read on a pooled connection; a missing schema or table reads as `empty`. */
  private async read<T>(what: string, empty: T, task: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.pool ??= openPgPool(this.options.connectionString);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw createConnectError(this.target, error);
    }
    try {
      return await task(client);
    } catch (error) {
      if (isMissingRelation(error)) return empty;
      throw createReadError(this.target, what, error);
    } finally {
      client.release();
    }
  }
}
