/**
 * One real PostgreSQL per test file for the pg driver's tests (test/support/postgres-server.ts).
 * Without server binaries the tests are skipped with POSTGRES_MISSING_HINT, except under CI
 * (process.env.CI set), where a missing server fails them.
 */
import { afterAll, beforeAll, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPgDriver, type PgDriverOptions } from "../../../../src/state/remote/pg-driver.js";
import type { RemoteStateDriver } from "../../../../src/state/remote/driver.js";
import {
  findPostgresBinDir,
  POSTGRES_MISSING_HINT,
  startPostgres,
  type RunningPostgres,
} from "../../../support/postgres-server.mjs";

export const postgresAvailable = findPostgresBinDir() !== undefined;

/** Registers beforeAll/afterAll; `current()` is the running server inside tests. */
export function usePostgres(): { current: () => RunningPostgres } {
  let server: RunningPostgres | undefined;
  if (!postgresAvailable) {
    if (process.env.CI) {
      it("has a PostgreSQL server to test against (required under CI)", () => {
        throw new Error(POSTGRES_MISSING_HINT);
      });
    } else {
      console.warn(`Skipping the pg driver tests: ${POSTGRES_MISSING_HINT}`);
    }
  }
  beforeAll(async () => {
    if (postgresAvailable) server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    current: () => {
      if (server === undefined) throw new Error("the PostgreSQL test server is not running");
      return server;
    },
  };
}

export function createTestDriver(
  server: RunningPostgres,
  overrides: Partial<PgDriverOptions> = {},
): RemoteStateDriver {
  return createPgDriver({
    connectionString: server.url,
    schema: "orderform_test",
    name: `t-${randomUUID().slice(0, 8)}`,
    lockTtlSeconds: 2,
    ...overrides,
  });
}
