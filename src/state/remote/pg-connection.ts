/**
 * Connections of the PostgreSQL state driver (docs/backends.md): a small pool for reads and one
 * dedicated session per lock. Every connection names itself `orderform` (application_name, seen in
 * pg_stat_activity) and gives up connecting after 10 s.
 */
import pg from "pg";
import { createStateError } from "../errors.js";
import { createConnectError, type PgTarget } from "./pg-errors.js";

const CONNECT_TIMEOUT_MS = 10_000;

function createClientConfig(connectionString: string): pg.ClientConfig {
  return {
    connectionString,
    application_name: "orderform",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** What a connection string points at, for messages, and a redactor of its secrets. */
export function createPgTarget(connectionString: string, schema: string, name: string): PgTarget {
  let parsed: pg.Client;
  try {
    parsed = new pg.Client({ connectionString });
  } catch {
    throw createStateError(
      "state.backend-misconfigured",
      `The PostgreSQL connection string for state "${name}" cannot be parsed.`,
      {
        hint: "Set the variable named in state.connectionStringEnv to postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password).",
      },
    );
  }
  const password = typeof parsed.password === "string" ? parsed.password : "";
  const secrets = [connectionString, password, encodeURIComponent(password)].filter((s) => s.length >= 3);
  const host = parsed.host.startsWith("/")
    ? `socket ${parsed.host}`
    : parsed.host.includes(":")
      ? `[${parsed.host}]`
      : parsed.host;
  const database = parsed.database ?? parsed.user ?? "";
  const server = `${host}:${parsed.port}/${database}`;
  return {
    description: `pg ${server}, schema "${schema}", state "${name}"`,
    server,
    database,
    user: parsed.user ?? "",
    redact: (text) => secrets.reduce((out, secret) => out.split(secret).join("***"), text),
  };
}

export function openPgPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({
    ...createClientConfig(connectionString),
    max: 4,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  pool.on("error", () => undefined); // an idle pooled connection that dies is replaced on next use
  return pool;
}

/**
 * Opens the dedicated session that takes and holds a lock: the server ends it once it has been
 * idle (or idle in a transaction) for `ttlMs`, and probes the client with TCP keepalives. Refuses
 * PostgreSQL before 14, which has no idle_session_timeout (a paused holder would keep the lock).
 */
export async function openLockSession(
  connectionString: string,
  target: PgTarget,
  ttlMs: number,
): Promise<pg.Client> {
  const client = new pg.Client(createClientConfig(connectionString));
  client.on("error", () => undefined); // reported by the pending query, or by PgLock's own handler
  try {
    await client.connect();
    const version = await client.query<{ v: number }>(
      "SELECT current_setting('server_version_num')::int AS v",
    );
    const number = version.rows[0]?.v ?? 0;
    if (number < 140000) {
      throw createStateError(
        "state.backend-unsupported",
        `PostgreSQL at ${target.server} is version ${Math.floor(number / 10000)}; shared state needs PostgreSQL 14 or later.`,
        {
          hint: "orderform relies on idle_session_timeout (PostgreSQL 14+) to free the lock of a paused or cut-off run. Upgrade the server or use another state backend.",
        },
      );
    }
    const ms = Math.max(1, Math.round(ttlMs));
    const probe = Math.max(1, Math.floor(ms / 3000));
    await client.query(
      `SET idle_session_timeout = ${ms}; SET idle_in_transaction_session_timeout = ${ms};
       SET tcp_keepalives_idle = ${probe}; SET tcp_keepalives_interval = ${probe}; SET tcp_keepalives_count = 3`,
    );
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw createConnectError(target, error);
  }
}

/** Waits `ms`; false when `signal` aborted the wait. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
