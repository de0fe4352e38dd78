/**
 * The PostgreSQL layout of shared state (docs/backends.md): five tables in the configured schema,
 * every row keyed by the state's name, so that many states share one schema.
 *
 *   states(name PK, lineage, serial, data text, updated_at)          the snapshot; serial is the CAS token
 *   journal_header(name PK, format, lineage, base_serial)            the header of the current journal
 *   journal(name, seq bigserial, entry text, appended_at, PK(name, seq))
 *   history(name, serial, lineage, meta jsonb, data text, created_at, PK(name, serial))  never updated
 *   locks(name PK, lock_id, info jsonb, backend_pid, lease_seconds, acquired_at, renewed_at)
 *
 * Snapshots and history are stored as text, not jsonb: the server then neither parses nor
 * re-encodes a state of megabytes on every commit. The lock itself is a session-level advisory
 * lock (see computeAdvisoryKey); the `locks` row only describes its holder.
 */
import { createHash } from "node:crypto";
import type pg from "pg";

const TABLE_NAMES = ["states", "journal_header", "journal", "history", "locks"] as const;

/** The quoted, schema-qualified names of the tables. */
export interface PgTables {
  schema: string;
  states: string;
  journalHeader: string;
  journal: string;
  history: string;
  locks: string;
}

function renderIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createTables(schema: string): PgTables {
  const q = (table: string): string => `${renderIdentifier(schema)}.${renderIdentifier(table)}`;
  return {
    schema: renderIdentifier(schema),
    states: q("states"),
    journalHeader: q("journal_header"),
    journal: q("journal"),
    history: q("history"),
    locks: q("locks"),
  };
}

/**
 * The 64-bit advisory lock key of one state: the first 8 bytes of SHA-256 over
 * "orderform\0<purpose>\0<schema>\0<name>", as a signed bigint (decimal text for a $n::bigint
 * parameter). Computed here, not with the server's hash functions, so that it is the same on every
 * PostgreSQL version; distinct per schema and name, so states never block each other (there is no
 * global lock). `purpose` is "state" for a state's lock and "ddl" for creating a schema's tables.
 */
export function computeAdvisoryKey(purpose: "state" | "ddl", schema: string, name: string): string {
  const digest = createHash("sha256").update(`orderform\0${purpose}\0${schema}\0${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * A condition on `pg_locks` rows matching the advisory lock whose bigint key is `param` in the
 * current database: PostgreSQL shows a bigint key as classid (high 32 bits), objid (low 32 bits)
 * and objsubid 1.
 */
export function renderAdvisoryMatch(param: string): string {
  return `locktype = 'advisory' AND granted AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::bigint = ((${param}::bigint >> 32) & 4294967295)
    AND objid::bigint = (${param}::bigint & 4294967295)`;
}

function renderDdl(t: PgTables): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${t.schema};
CREATE TABLE IF NOT EXISTS ${t.states} (
  name text PRIMARY KEY, lineage text NOT NULL, serial bigint NOT NULL, data text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ${t.journalHeader} (
  name text PRIMARY KEY, format integer NOT NULL, lineage text NOT NULL, base_serial bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${t.journal} (
  name text NOT NULL, seq bigserial, entry text NOT NULL, appended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, seq));
CREATE TABLE IF NOT EXISTS ${t.history} (
  name text NOT NULL, serial bigint NOT NULL, lineage text NOT NULL, meta jsonb NOT NULL, data text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (name, serial));
CREATE TABLE IF NOT EXISTS ${t.locks} (
  name text PRIMARY KEY, lock_id text NOT NULL, info jsonb NOT NULL, backend_pid integer NOT NULL,
  lease_seconds integer NOT NULL, acquired_at timestamptz NOT NULL, renewed_at timestamptz NOT NULL);`;
}

/**
 * Creates the schema and tables when any is missing. Skipped when all exist, so a user without
 * CREATE rights works with tables a database owner created. Concurrent creators queue on a
 * transaction-level advisory lock of this schema (CREATE ... IF NOT EXISTS alone can fail with a
 * unique violation when two sessions race).
 */
export async function writeSchemaIfMissing(
  client: pg.ClientBase,
  schemaName: string,
  tables: PgTables,
): Promise<void> {
  const present = await client.query<{ count: string }>(
    "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = ANY($2::text[])",
    [schemaName, TABLE_NAMES],
  );
  if (Number(present.rows[0]?.count) === TABLE_NAMES.length) return;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [
      computeAdvisoryKey("ddl", schemaName, ""),
    ]);
    await client.query(renderDdl(tables));
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Whether a read failed only because the schema or a table does not exist yet (nothing stored). */
export function isMissingRelation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "42P01" || code === "3F000";
}
