/**
 * How failures of the PostgreSQL state driver (./pg-driver.ts) become `state.*` errors. Messages
 * name the server as host:port/database with the schema and state name (PgTarget.description),
 * never the user's password or the connection string (docs/backends.md).
 */
import { OrderformError } from "../../core/errors.js";
import { createStateError } from "../errors.js";

/** Where the driver connects, for messages; holds no secret. */
export interface PgTarget {
  /** e.g. `pg 127.0.0.1:5432/postgres, schema "orderform", state "prod"` */
  description: string;
  /** e.g. `127.0.0.1:5432/postgres` */
  server: string;
  database: string;
  user: string;
  /** Removes any secret (password, connection string) from a text taken from a driver error. */
  redact: (text: string) => string;
}

/** The SQLSTATE of a server error, or undefined for a client-side or network failure. */
export function readSqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function describeCause(target: PgTarget, error: unknown): string {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = error instanceof Error ? error.message : String(error);
  const message = target.redact(text === "" && errno !== undefined ? errno : text);
  return errno !== undefined && !message.includes(errno) ? `${errno}: ${message}` : message;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/**
 * The error for a failure to connect (or a failure of the first statements on a new connection):
 * unreachable, authentication, missing database, or `fallback` for anything else.
 */
export function createConnectError(target: PgTarget, error: unknown): OrderformError {
  if (error instanceof OrderformError) return error;
  const state = readSqlState(error);
  const cause = describeCause(target, error);
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (state === "28P01" || state === "28000" || /password|SASL|SCRAM/i.test(cause)) {
    return createStateError(
      "state.backend-auth-failed",
      `PostgreSQL at ${target.server} refused the sign-in of user "${target.user}": ${cause}.`,
      {
        hint: "Check the user name and password in the connection string held by the variable named in state.connectionStringEnv, and that pg_hba.conf lets this host in.",
      },
    );
  }
  if (state === "3D000") {
    return createStateError(
      "state.backend-missing",
      `PostgreSQL at ${target.server}: the database "${target.database}" does not exist.`,
      {
        hint: "Create the database (orderform creates its schema and tables in it, not the database), or fix the database name in the connection string.",
      },
    );
  }
  if (state === "42501") return createForbiddenError(target, "connect", error);
  if (
    (errno !== undefined && NETWORK_CODES.has(errno)) ||
    state === undefined ||
    state.startsWith("08") ||
    state === "57P03" ||
    state === "53300"
  ) {
    return createStateError(
      "state.backend-unreachable",
      `Could not reach PostgreSQL at ${target.server}: ${cause}.`,
      {
        hint: "Check the host and port in the connection string, that the server runs and accepts connections from this machine (firewall, listen_addresses), and try again.",
      },
    );
  }
  return createStateError("state.read-failed", `PostgreSQL at ${target.server} failed: ${cause}.`);
}

/** Permission denied (42501) while doing `what`, with the grant that fixes it. */
export function createForbiddenError(target: PgTarget, what: string, error: unknown): OrderformError {
  const hints: Record<string, string> = {
    "create the schema":
      "Let a database owner create the schema and tables once (docs/backends.md lists them), or GRANT CREATE ON DATABASE to this user. orderform then only needs SELECT, INSERT, UPDATE, DELETE on them and USAGE on the schema and its sequence.",
    "end the holder's session":
      "Ending another session needs the same database user as the holder, membership in pg_signal_backend, or a superuser. Run force-unlock as that user.",
  };
  return createStateError(
    "state.backend-forbidden",
    `PostgreSQL at ${target.server} did not let user "${target.user}" ${what} (${target.description}): ${describeCause(target, error)}.`,
    {
      hint:
        hints[what] ??
        "Grant this user SELECT, INSERT, UPDATE, DELETE on orderform's tables and USAGE on its schema (docs/backends.md).",
    },
  );
}

/** A failed read (after connecting): `state.read-failed`, or the connect classes above. */
export function createReadError(target: PgTarget, what: string, error: unknown): OrderformError {
  if (error instanceof OrderformError) return error;
  const state = readSqlState(error);
  if (state === "42501") return createForbiddenError(target, `read ${what}`, error);
  if (state === undefined || state.startsWith("08") || state.startsWith("28") || state === "3D000") {
    return createConnectError(target, error);
  }
  return createStateError(
    "state.read-failed",
    `Could not read ${what} of ${target.description}: ${describeCause(target, error)}.`,
    {
      cause: error,
    },
  );
}

/**
 * Whether a failure on the locking connection means its session is gone (and with it the lock):
 * any client-side or network failure, or a server error of class 08 (connection) or 57 (ended by
 * an administrator, pg_terminate_backend, or idle_session_timeout).
 */
export function isSessionGone(error: unknown): boolean {
  if (error instanceof OrderformError) return false;
  const state = readSqlState(error);
  return state === undefined || state.startsWith("08") || state.startsWith("57");
}

export function createLockLostError(target: PgTarget, why: string, error?: unknown): OrderformError {
  return createStateError(
    "state.lock-lost",
    `The lock on ${target.description} was lost: ${why}${error === undefined ? "" : ` (${describeCause(target, error)})`}. This run can no longer record or commit; anything it recorded before is kept for the next run.`,
    {
      hint: "Was the lock broken with force-unlock, or was this runner paused or cut off for longer than lockTtlSeconds? Run `orderform plan` to see what the state records now; the next run that takes the lock folds in everything this run recorded.",
    },
  );
}

export function createWriteError(target: PgTarget, what: string, error: unknown): OrderformError {
  if (error instanceof OrderformError) return error;
  if (readSqlState(error) === "42501") return createForbiddenError(target, `write ${what}`, error);
  return createStateError(
    "state.write-failed",
    `Could not write ${what} of ${target.description}: ${describeCause(target, error)}. Nothing was changed.`,
    {
      cause: error,
    },
  );
}
