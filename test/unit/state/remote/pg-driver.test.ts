/**
 * The PostgreSQL state driver against a real PostgreSQL 15: the shared driver contract, and what is
 * particular to pg (lock keys, schema creation, connection errors, timing).
 */
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createPgDriver } from "../../../../src/state/remote/pg-driver.js";
import { computeAdvisoryKey } from "../../../../src/state/remote/pg-schema.js";
import { describeDriverContract, createLockInfo } from "./driver-contract.js";
import { createTestDriver, postgresAvailable, usePostgres } from "./pg-test-server.js";

const server = usePostgres();

describe.runIf(postgresAvailable)("pg driver", () => {
  describeDriverContract("pg", (name) => Promise.resolve(createTestDriver(server.current(), { name })), {
    leaseMs: 2000,
  });

  it("keys each schema and name apart: locks never collide", async () => {
    const keys = new Set(
      ["a", "b"].flatMap((schema) =>
        ["prod", "dev"].map((name) => computeAdvisoryKey("state", schema, name)),
      ),
    );
    expect(keys.size).toBe(4);
    const url = server.current().url;
    const drivers = [
      createPgDriver({ connectionString: url, schema: "orderform_a", name: "prod", lockTtlSeconds: 2 }),
      createPgDriver({ connectionString: url, schema: "orderform_b", name: "prod", lockTtlSeconds: 2 }),
      createPgDriver({ connectionString: url, schema: "orderform_a", name: "dev", lockTtlSeconds: 2 }),
    ];
    try {
      const infos = drivers.map(() => createLockInfo());
      const locks = await Promise.all(drivers.map((d, i) => d.acquireLock(infos[i]!, { timeoutMs: 0 })));
      for (const [i, d] of drivers.entries()) expect((await d.readLockHolder())?.info.id).toBe(infos[i]!.id);
      await Promise.all(locks.map((lock) => lock.release()));
      for (const d of drivers) expect(await d.readLockHolder()).toBeNull();
    } finally {
      await Promise.all(drivers.map((d) => d.close()));
    }
  });

  it("creates its schema once, also when many runs start together; reads before that see nothing", async () => {
    const schema = `fresh_${randomUUID().slice(0, 8)}`;
    const drivers = Array.from({ length: 6 }, () => createTestDriver(server.current(), { schema }));
    try {
      expect(await drivers[0]!.readSnapshot()).toBeNull();
      expect(await drivers[0]!.readJournal()).toEqual({ header: null, entries: [] });
      expect(await drivers[0]!.readLockHolder()).toBeNull();
      const locks = await Promise.all(drivers.map((d) => d.acquireLock(createLockInfo(), { timeoutMs: 0 })));
      await Promise.all(locks.map((lock) => lock.release()));
    } finally {
      await Promise.all(drivers.map((d) => d.close()));
    }
  });

  it("names the holder and its lease in state.locked, and stops waiting when aborted", async () => {
    const driver = createTestDriver(server.current(), { lockTtlSeconds: 30 });
    try {
      const info = createLockInfo("state rm");
      const lock = await driver.acquireLock(info, { timeoutMs: 0 });
      const holder = await driver.readLockHolder();
      expect(Date.parse(holder?.expires ?? "")).toBeGreaterThan(Date.now() + 20_000);
      const error = (await driver
        .acquireLock(createLockInfo(), { timeoutMs: 300 })
        .catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: "state.locked" });
      expect(error.message).toContain(`operation "state rm"`);
      expect(error.message).toContain("lease");
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      await expect(
        driver.acquireLock(createLockInfo(), { timeoutMs: 10_000, signal: controller.signal }),
      ).rejects.toMatchObject({ code: "state.lock-aborted" });
      await lock.release();
    } finally {
      await driver.close();
    }
  });

  it("refuses commits and appends after release with state.session-closed", async () => {
    const driver = createTestDriver(server.current());
    try {
      const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
      await lock.release();
      await lock.release();
      await expect(
        lock.appendJournal([{ type: "intent", intent: {} } as never], undefined),
      ).rejects.toMatchObject({ code: "state.session-closed" });
    } finally {
      await driver.close();
    }
  });

  it("reads damaged rows as state.corrupt / state.journal-corrupt, and lists a damaged history meta", async () => {
    const name = `d-${randomUUID().slice(0, 8)}`;
    const driver = createTestDriver(server.current(), { name });
    const admin = new pg.Client({ connectionString: server.current().url });
    await admin.connect();
    try {
      await (await driver.acquireLock(createLockInfo(), { timeoutMs: 0 })).release();
      await admin.query(
        `INSERT INTO orderform_test.states (name, lineage, serial, data) VALUES ($1, 'x', 3, '{"version":1')`,
        [name],
      );
      await admin.query(
        `INSERT INTO orderform_test.history (name, serial, lineage, meta, data) VALUES ($1, 3, 'x', '{"serial":3}', '{"version":1}')`,
        [name],
      );
      await admin.query(`INSERT INTO orderform_test.journal (name, entry) VALUES ($1, '{"type":"nope"}')`, [
        name,
      ]);
      const snapshot = (await driver.readSnapshot().catch((e: unknown) => e)) as Error;
      expect(snapshot).toMatchObject({ code: "state.corrupt" });
      expect(snapshot.message).toContain(`state "${name}" (table states)`);
      expect(await driver.readHistoryListing()).toMatchObject({
        entries: [],
        damaged: [
          { serial: 3, file: expect.stringContaining("table history, serial 3") as unknown as string },
        ],
      });
      await expect(driver.readHistoryVersion(3)).rejects.toMatchObject({ code: "state.corrupt" });
      await expect(driver.readJournal()).rejects.toMatchObject({ code: "state.journal-corrupt" });
    } finally {
      await admin.end();
      await driver.close();
    }
  });

  it("reports an unreachable server, a missing database and a wrong password clearly, without the password", async () => {
    const { port } = server.current();
    const admin = new pg.Client({ connectionString: server.current().url });
    await admin.connect();
    try {
      // The test server trusts every local user; require a password for one role only.
      await admin.query("CREATE ROLE pwuser LOGIN PASSWORD 'right-horse-battery'");
      const hba = (await admin.query<{ hba_file: string }>("SHOW hba_file")).rows[0]!.hba_file;
      const text = (await admin.query<{ t: string }>("SELECT pg_read_file($1) AS t", [hba])).rows[0]!.t;
      const lines = ["host all pwuser 127.0.0.1/32 scram-sha-256", ...text.split("\n")]
        .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"))
        .map((line) => line.replace(/\t/g, " "));
      await admin.query(
        `COPY (SELECT unnest(ARRAY[${lines.map((l) => pg.escapeLiteral(l)).join(",")}])) TO ${pg.escapeLiteral(hba)}`,
      );
      await admin.query("SELECT pg_reload_conf()");
    } finally {
      await admin.end();
    }
    const cases = [
      {
        url: `postgres://pwuser:wrong-secret-pw@127.0.0.1:${port}/postgres`,
        code: "state.backend-auth-failed",
      },
      {
        url: `postgres://postgres:wrong-secret-pw@127.0.0.1:${port}/no_such_db`,
        code: "state.backend-missing",
      },
      { url: `postgres://postgres:wrong-secret-pw@127.0.0.1:1/postgres`, code: "state.backend-unreachable" },
    ];
    for (const { url, code } of cases) {
      const driver = createPgDriver({
        connectionString: url,
        schema: "orderform",
        name: "prod",
        lockTtlSeconds: 15,
      });
      try {
        for (const attempt of [
          () => driver.readSnapshot(),
          () => driver.acquireLock(createLockInfo(), { timeoutMs: 0 }),
        ]) {
          const error = (await attempt().catch((e: unknown) => e)) as Error & { hint?: string };
          expect(error).toMatchObject({ code });
          const shown = `${driver.description} ${error.message} ${error.hint ?? ""}`;
          expect(shown).not.toContain("wrong-secret-pw");
          expect(error.message).toMatch(/127\.0\.0\.1:\d+\/(postgres|no_such_db)/);
        }
      } finally {
        await driver.close();
      }
    }
    // The right password signs in; this role may not use the test schema, nor create one.
    const right = (schema: string) =>
      createPgDriver({
        connectionString: `postgres://pwuser:right-horse-battery@127.0.0.1:${port}/postgres`,
        schema,
        name: "pw",
        lockTtlSeconds: 15,
      });
    const owner = createTestDriver(server.current(), { schema: "orderform_owned" });
    await (await owner.acquireLock(createLockInfo(), { timeoutMs: 0 })).release();
    await owner.close();
    const existing = right("orderform_owned");
    const missing = right(`none_${randomUUID().slice(0, 8)}`);
    try {
      await expect(existing.readSnapshot()).rejects.toMatchObject({ code: "state.backend-forbidden" });
      expect(await missing.readSnapshot()).toBeNull();
      const error = (await missing
        .acquireLock(createLockInfo(), { timeoutMs: 0 })
        .catch((e: unknown) => e)) as Error & {
        hint?: string;
      };
      expect(error).toMatchObject({ code: "state.backend-forbidden" });
      expect(error.hint).toContain("GRANT CREATE");
    } finally {
      await existing.close();
      await missing.close();
    }
  });
});
