/**
 * The pg driver's lock when its holder process dies or stops: the child runs the built driver
 * (dist/), as the CLI does (`npm test` builds first), takes the lock, and appends on each line read
 * from stdin.
 */
import { describe, expect, it } from "vitest";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import { createLockInfo } from "./driver-contract.js";
import { createTestDriver, postgresAvailable, usePostgres } from "./pg-test-server.js";

const DIST_DRIVER = resolve("dist/state/remote/pg-driver.js");

const CHILD = `
const { createPgDriver } = await import(process.env.DRIVER_URL);
const driver = createPgDriver({
  connectionString: process.env.PG_URL, schema: "orderform_test", name: process.env.PG_NAME,
  lockTtlSeconds: Number(process.env.PG_TTL),
});
const info = { id: process.env.LOCK_ID, owner: "child", host: "child-host", pid: process.pid, started: new Date().toISOString(), operation: "apply" };
const lock = await driver.acquireLock(info, { timeoutMs: 0 });
process.stdout.write("locked\\n");
const header = { orderformJournal: 1, lineage: "6f1c2d3e-4a5b-4c6d-8e7f-901234567890", baseSerial: 0 };
let n = 0;
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) {
  for (const line of chunk.split("\\n").filter(Boolean)) {
    const intent = { name: line, customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a", requestId: "r-" + line,
      startedAt: new Date().toISOString(), content: { customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
      billingCycle: "monthly", lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 1 }] } };
    try {
      await lock.appendJournal([{ type: "intent", intent }], n++ === 0 ? header : undefined);
      process.stdout.write("appended " + line + "\\n");
    } catch (error) {
      process.stdout.write("failed " + line + " " + error.code + "\\n");
    }
  }
}
`;

interface Holder {
  child: ChildProcessWithoutNullStreams;
  lockId: string;
  /** Resolves with the next line the child prints. */
  nextLine: () => Promise<string>;
}

function spawnHolder(url: string, name: string, ttlSeconds: number): Holder {
  const lockId = randomUUID();
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], {
    env: {
      ...process.env,
      DRIVER_URL: pathToFileURL(DIST_DRIVER).href,
      PG_URL: url,
      PG_NAME: name,
      PG_TTL: String(ttlSeconds),
      LOCK_ID: lockId,
    },
  });
  child.stderr.pipe(process.stderr);
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      const waiter = waiters.shift();
      if (waiter === undefined) lines.push(line);
      else waiter(line);
    }
  });
  const nextLine = (): Promise<string> => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((done) => waiters.push(done));
  };
  return { child, lockId, nextLine };
}

const server = usePostgres();

describe.runIf(postgresAvailable && existsSync(DIST_DRIVER))("pg driver: holder processes", () => {
  it("frees the lock of a SIGKILLed holder at once, long before its TTL", async () => {
    const name = `k-${randomUUID().slice(0, 8)}`;
    const holder = spawnHolder(server.current().url, name, 60);
    const driver = createTestDriver(server.current(), { name });
    try {
      expect(await holder.nextLine()).toBe("locked");
      expect((await driver.readLockHolder())?.info.id).toBe(holder.lockId);
      const exited = new Promise((done) => holder.child.once("exit", done));
      holder.child.kill("SIGKILL");
      await exited;
      const started = Date.now();
      const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 10_000 });
      expect(Date.now() - started).toBeLessThan(5_000);
      await lock.release();
    } finally {
      holder.child.kill("SIGKILL");
      await driver.close();
    }
  });

  it("ends a SIGSTOPped holder's session after the TTL; resumed, it cannot append (state.lock-lost)", async () => {
    const name = `s-${randomUUID().slice(0, 8)}`;
    const holder = spawnHolder(server.current().url, name, 2);
    const driver = createTestDriver(server.current(), { name });
    try {
      expect(await holder.nextLine()).toBe("locked");
      holder.child.stdin.write("before\n");
      expect(await holder.nextLine()).toBe("appended before");
      holder.child.kill("SIGSTOP");
      const started = Date.now();
      const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 15_000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      holder.child.kill("SIGCONT");
      holder.child.stdin.write("after\n");
      expect(await holder.nextLine()).toBe("failed after state.lock-lost");
      const journal = await driver.readJournal();
      expect(journal.entries.map((e) => (e.type === "intent" ? e.intent.name : ""))).toEqual(["before"]);
      await lock.release();
    } finally {
      holder.child.kill("SIGKILL");
      await driver.close();
    }
  });
});
