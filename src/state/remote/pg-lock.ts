/**
 * The lock of the PostgreSQL state driver (docs/backends.md): a session-level advisory lock held by
 * one dedicated connection (a pg.Client, never a pool), which also carries every journal append and
 * the commit. Limits and guarantees:
 *
 * - The session is the lease. It runs with idle_session_timeout = lockTtlSeconds (PostgreSQL 14+),
 *   and a heartbeat renews it every ttl/3 (`UPDATE locks SET renewed_at`). A killed holder's
 *   connection closes and the server frees the lock at once; a paused or cut-off holder's session
 *   is ended by the server once it has been silent for the TTL, which frees the lock.
 * - Fencing: a write runs only on this session, and each one checks in the same statement that
 *   this backend still holds the advisory lock, so a session that lost it (or a transaction-mode
 *   pooler that moved the statement to another backend) writes nothing: `state.lock-lost`.
 * - Transaction-mode poolers (PgBouncer `pool_mode = transaction`) break session locks and are not
 *   supported; session-mode poolers and direct connections are.
 */
import type pg from "pg";
import { OrderformError } from "../../core/errors.js";
import type { StateFile } from "../../core/model.js";
import type { JournalHeader } from "../journal.js";
import type { HistoryEntry, JournalEntry } from "../types.js";
import { createStateError } from "../errors.js";
import type { RemoteLock } from "./driver.js";
import {
  createLockLostError,
  createWriteError,
  isSessionGone,
  readSqlState,
  type PgTarget,
} from "./pg-errors.js";
import { renderAdvisoryMatch, type PgTables } from "./pg-schema.js";

export interface PgLockContext {
  client: pg.Client;
  target: PgTarget;
  tables: PgTables;
  name: string;
  lockId: string;
  /** The advisory key (decimal text). */
  key: string;
  ttlMs: number;
}

/** Write timeouts: past them the outcome is unknown and the session is given up (lock-lost). */
const APPEND_TIMEOUT_FACTOR = 1;
const COMMIT_TIMEOUT_MIN_MS = 120_000;

export class PgLock implements RemoteLock {
  private lostError: Error | undefined;
  private released = false;
  private tail: Promise<unknown> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private beating = false;
  private confirmedAt: number;

  constructor(private readonly ctx: PgLockContext) {
    this.confirmedAt = Date.now();
    ctx.client.on("error", (error: Error) => this.markLost("its database session ended", error));
    ctx.client.on("end", () => this.markLost("its database session ended"));
    this.heartbeat = setInterval(() => this.renew(), Math.max(100, Math.floor(ctx.ttlMs / 3)));
    this.heartbeat.unref();
  }

  get lost(): Error | undefined {
    return this.lostError;
  }

  /**
   * Until when (ms since the epoch, this machine's clock) the lock is certainly still held unless
   * broken by force-unlock: the server ends the session no sooner than the TTL after the last
   * statement it answered, which was sent no earlier than `confirmedAt`. Not part of RemoteLock.
   */
  get heldUntil(): number {
    return this.lostError === undefined && !this.released ? this.confirmedAt + this.ctx.ttlMs : 0;
  }

  suspendRenewal(): void {
    this.stopHeartbeat();
  }

  /**
   * One INSERT of every record, all or nothing, under the same advisory-lock check. The rows take
   * their `seq` (what readJournal orders by) in the order of `entries`: the SELECT hands them to
   * the INSERT sorted by their ordinality, and the sequence's default is drawn as each arrives
   * (append-all-remote.test.ts reads 2,500 of them back in order).
   */
  async appendJournal(entries: readonly JournalEntry[], header: JournalHeader | undefined): Promise<void> {
    if (entries.length === 0) throw new Error("appendJournal needs at least one record");
    const { tables: t, name, key } = this.ctx;
    const texts = entries.map((entry) => JSON.stringify(entry));
    await this.runFenced("append to the journal", this.ctx.ttlMs * APPEND_TIMEOUT_FACTOR, async (client) => {
      const held = `EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE pid = pg_backend_pid() AND ${renderAdvisoryMatch("$3")})`;
      const rows = `INSERT INTO ${t.journal} (name, entry)
        SELECT $1, u.entry FROM unnest($2::text[]) WITH ORDINALITY AS u(entry, n) WHERE ${held} ORDER BY u.n`;
      const result =
        header === undefined
          ? await client.query(rows, [name, texts, key])
          : await client.query(
              `WITH h AS (INSERT INTO ${t.journalHeader} (name, format, lineage, base_serial)
                 SELECT $1, $4, $5, $6 WHERE ${held} ON CONFLICT (name) DO NOTHING)
               ${rows}`,
              [name, texts, key, header.orderformJournal, header.lineage, header.baseSerial],
            );
      if (result.rowCount !== entries.length)
        throw this.markLost("this database session no longer holds the advisory lock");
    });
  }

  async commit(next: StateFile, meta: HistoryEntry, expectedToken: string | null): Promise<string> {
    if (meta.serial !== next.serial || meta.lineage !== next.lineage) {
      throw new Error(
        `commit meta (serial ${meta.serial}) does not describe the state (serial ${next.serial})`,
      );
    }
    if (expectedToken !== null && !/^\d{1,18}$/.test(expectedToken))
      throw this.createSerialMoved(expectedToken);
    const { tables: t, name, key } = this.ctx;
    const data = JSON.stringify(next);
    const timeout = Math.max(COMMIT_TIMEOUT_MIN_MS, this.ctx.ttlMs * 5);
    await this.runFenced("commit", timeout, async (client) => {
      await client.query("BEGIN");
      try {
        // Lock the snapshot row and check the token and the advisory lock in one statement.
        const check = await client.query<{ serial: string | null; held: boolean }>(
          `SELECT (SELECT serial FROM ${t.states} WHERE name = $1 FOR UPDATE) AS serial,
             EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE pid = pg_backend_pid() AND ${renderAdvisoryMatch("$2")}) AS held`,
          [name, key],
        );
        const row = check.rows[0];
        if (row?.held !== true)
          throw this.markLost("this database session no longer holds the advisory lock");
        if (row.serial !== expectedToken) throw this.createSerialMoved(expectedToken, row.serial);
        await client.query(
          `INSERT INTO ${t.history} (name, serial, lineage, meta, data) VALUES ($1, $2, $3, $4, $5)`,
          [name, next.serial, next.lineage, JSON.stringify(meta), data],
        );
        // The snapshot is copied from the history row on the server: the state crosses the wire once.
        const written = await client.query(
          `WITH dj AS (DELETE FROM ${t.journal} WHERE name = $1), dh AS (DELETE FROM ${t.journalHeader} WHERE name = $1)
           INSERT INTO ${t.states} AS s (name, lineage, serial, data, updated_at)
             SELECT name, lineage, serial, data, now() FROM ${t.history} WHERE name = $1 AND serial = $2
           ON CONFLICT (name) DO UPDATE SET lineage = excluded.lineage, serial = excluded.serial,
             data = excluded.data, updated_at = excluded.updated_at
             WHERE s.serial IS NOT DISTINCT FROM $3::bigint`,
          [name, next.serial, expectedToken],
        );
        if (written.rowCount !== 1) throw this.createSerialMoved(expectedToken);
        await client.query("COMMIT");
      } catch (error) {
        if (!isSessionGone(error)) await client.query("ROLLBACK");
        if (readSqlState(error) === "23505") {
          throw createStateError(
            "state.history-exists",
            `History version ${next.serial} of ${this.ctx.target.description} exists already; history is never overwritten. Nothing was changed.`,
            {
              hint: "Another run committed this serial. Run `orderform plan` to see the state as it is now.",
            },
          );
        }
        throw error;
      }
    });
    return String(next.serial);
  }

  async release(): Promise<void> {
    this.stopHeartbeat();
    if (this.released) return;
    const { client, tables: t, name, key } = this.ctx;
    await this.enqueue(async () => {
      this.released = true;
      if (this.lostError === undefined) {
        await client
          .query(
            `WITH d AS (DELETE FROM ${t.locks} WHERE name = $1 AND lock_id = $2) SELECT pg_advisory_unlock($3::bigint)`,
            [name, this.ctx.lockId, key],
          )
          .catch(() => undefined); // a failure here means the session is gone: the lock is free anyway
      }
    });
    await client.end().catch(() => undefined);
  }

  /** Ends the session without cleaning up (the driver's close while a lock is still held). */
  async abandon(): Promise<void> {
    this.stopHeartbeat();
    this.released = true;
    await this.ctx.client.end().catch(() => undefined);
  }

  private createSerialMoved(expected: string | null, actual?: string | null): Error {
    const now =
      actual === undefined ? "" : actual === null ? " (it has no snapshot)" : ` (its serial is ${actual})`;
    return createStateError(
      "state.serial-moved",
      `The snapshot of ${this.ctx.target.description} is no longer the one this run read (serial ${expected ?? "none"})${now}; another run committed meanwhile. Nothing was changed.`,
      { hint: "Run `orderform plan` again to see the state as it is now." },
    );
  }

  private markLost(why: string, error?: unknown): Error {
    if (this.released) return createLockLostError(this.ctx.target, "the lock was released", error);
    this.lostError ??= createLockLostError(this.ctx.target, why, error);
    this.stopHeartbeat();
    return this.lostError;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private renew(): void {
    if (this.beating || this.lostError !== undefined) return;
    this.beating = true;
    const { tables: t, name, lockId } = this.ctx;
    this.runFenced("renew the lock", this.ctx.ttlMs, async (client) => {
      const result = await client.query(
        `UPDATE ${t.locks} SET renewed_at = now() WHERE name = $1 AND lock_id = $2 AND backend_pid = pg_backend_pid()`,
        [name, lockId],
      );
      if (result.rowCount !== 1) throw this.markLost("its holder record was removed (force-unlock)");
    })
      .catch((error: unknown) => this.markLost("its lease could not be renewed", error))
      .finally(() => {
        this.beating = false;
      });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs a write on the locking session, one at a time, fenced: refused when the lock is lost or
   * released; a failure that ends the session (or no answer within `timeoutMs`) marks the lock lost.
   */
  private runFenced(
    what: string,
    timeoutMs: number,
    task: (client: pg.Client) => Promise<void>,
  ): Promise<void> {
    return this.enqueue(async () => {
      if (this.released) {
        throw createStateError(
          "state.session-closed",
          `Cannot ${what} of ${this.ctx.target.description}: the lock was released.`,
        );
      }
      if (this.lostError !== undefined) throw this.lostError;
      const sentAt = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(this.markLost(`the server did not answer within ${Math.round(timeoutMs / 1000)} s`));
          // Not awaited: the lock is already lost; ending the silent session only frees the socket.
          void this.ctx.client.end().catch(() => undefined);
        }, timeoutMs);
      });
      try {
        await Promise.race([task(this.ctx.client), timedOut]);
        this.confirmedAt = Math.max(this.confirmedAt, sentAt);
      } catch (error) {
        if (error instanceof OrderformError) throw error;
        if (this.lostError !== undefined) throw this.lostError;
        if (isSessionGone(error)) throw this.markLost("its database session ended", error);
        throw createWriteError(this.ctx.target, what === "commit" ? "the new version" : "the journal", error);
      } finally {
        clearTimeout(timer);
      }
    });
  }
}
