/**
 * The contract every shared-state driver meets (src/state/remote/driver.ts), as one suite run
 * against each real store: Azurite for azblob, a real PostgreSQL for pg. A driver's own test file
 * calls describeDriverContract with a factory that makes a driver for a fresh state name.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { StateFile } from "../../../../src/core/model.js";
import { createEmptyState } from "../../../../src/core/state-journal.js";
import type { RemoteStateDriver } from "../../../../src/state/remote/driver.js";
import type { HistoryEntry, JournalEntry, LockInfo } from "../../../../src/state/types.js";

export interface DriverFactory {
  /** A driver for a fresh, empty state name (each call in one test gets the same name). */
  (name: string): Promise<RemoteStateDriver>;
}

/** The shortest lease the store allows, in ms (the lease tests wait a little longer than this). */
export interface DriverContractOptions {
  leaseMs: number;
}

export function createLockInfo(operation = "apply"): LockInfo {
  return {
    id: randomUUID(),
    owner: "tester",
    host: "test-host",
    pid: process.pid,
    started: new Date().toISOString(),
    operation,
  };
}

export function createMeta(state: StateFile, command = "apply"): HistoryEntry {
  return {
    serial: state.serial,
    lineage: state.lineage,
    time: new Date().toISOString(),
    command,
    user: "tester",
    host: "test-host",
    summary: `serial ${state.serial}`,
  };
}

function createIntentEntry(name: string): JournalEntry {
  return {
    type: "intent",
    intent: {
      name,
      customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
      requestId: randomUUID(),
      startedAt: new Date().toISOString(),
      content: {
        customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
        billingCycle: "monthly",
        lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 1 }],
      },
      generation: 0,
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function describeDriverContract(
  label: string,
  factory: DriverFactory,
  options: DriverContractOptions,
): void {
  const fresh = (): Promise<RemoteStateDriver> => factory(`t-${randomUUID().slice(0, 8)}`);

  describe(`${label}: the shared-state driver contract`, () => {
    it("starts empty", async () => {
      const driver = await fresh();
      try {
        expect(await driver.readSnapshot()).toBeNull();
        expect(await driver.readJournal()).toEqual({ header: null, entries: [] });
        expect(await driver.readHistoryListing()).toEqual({ entries: [], damaged: [] });
        expect(await driver.readLockHolder()).toBeNull();
        await expect(driver.readHistoryVersion(1)).rejects.toMatchObject({ code: "state.version-not-found" });
      } finally {
        await driver.close();
      }
    });

    it("appends records in order, commits by compare-and-swap, and keeps every version", async () => {
      const driver = await fresh();
      try {
        const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
        const lineage = randomUUID();
        const header = { orderformJournal: 1 as const, lineage, baseSerial: 0 };
        const entries = [createIntentEntry("a"), createIntentEntry("b"), createIntentEntry("c")];
        await lock.appendJournal([entries[0]!], header);
        await lock.appendJournal([entries[1]!], undefined);
        await lock.appendJournal([entries[2]!], undefined);
        expect(await driver.readJournal()).toEqual({ header, entries });

        const first: StateFile = { ...createEmptyState(lineage), serial: 1 };
        const token1 = await lock.commit(first, createMeta(first), null);
        expect(await driver.readJournal()).toEqual({ header: null, entries: [] });
        expect(await driver.readSnapshot()).toEqual({ state: first, token: token1 });

        const second: StateFile = { ...first, serial: 2 };
        await expect(lock.commit(second, createMeta(second), null)).rejects.toMatchObject({
          code: "state.serial-moved",
        });
        await expect(lock.commit(second, createMeta(second), "not-the-token")).rejects.toMatchObject({
          code: "state.serial-moved",
        });
        const token2 = await lock.commit(second, createMeta(second), token1);
        expect(token2).not.toBe(token1);
        expect((await driver.readSnapshot())?.state.serial).toBe(2);
        expect((await driver.readHistoryListing()).entries.map((e) => e.serial)).toEqual([1, 2]);
        expect(await driver.readHistoryVersion(1)).toEqual(first);
        await lock.release();
      } finally {
        await driver.close();
      }
    });

    it("never overwrites a history version", async () => {
      const driver = await fresh();
      try {
        const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
        const lineage = randomUUID();
        const one: StateFile = { ...createEmptyState(lineage), serial: 1 };
        const token = await lock.commit(one, createMeta(one), null);
        // Serial 1 again, over a snapshot that moved on: refused, and version 1 is unchanged.
        const other: StateFile = { ...createEmptyState(randomUUID()), serial: 1 };
        await expect(lock.commit(other, createMeta(other), token)).rejects.toMatchObject({
          code: expect.stringMatching(/^state\.(history-exists|serial-moved)$/) as unknown as string,
        });
        expect(await driver.readHistoryVersion(1)).toEqual(one);
        expect((await driver.readSnapshot())?.state).toEqual(one);
        await lock.release();
      } finally {
        await driver.close();
      }
    });

    it("lets one holder at a time take the lock, and names it", async () => {
      const a = await fresh();
      const name = a.description;
      try {
        const info = createLockInfo("apply");
        const lock = await a.acquireLock(info, { timeoutMs: 0 });
        const holder = await a.readLockHolder();
        expect(holder?.info).toMatchObject({
          id: info.id,
          owner: "tester",
          host: "test-host",
          operation: "apply",
        });
        const error = await a.acquireLock(createLockInfo(), { timeoutMs: 200 }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: "state.locked" });
        expect(String((error as Error).message)).toContain(info.id);
        await lock.release();
        expect(await a.readLockHolder()).toBeNull();
        const again = await a.acquireLock(createLockInfo(), { timeoutMs: 0 });
        await again.release();
      } finally {
        await a.close();
      }
      expect(name).not.toContain("secret");
    });

    it("fences out a holder whose lock was broken: it can neither append nor commit", async () => {
      const driver = await fresh();
      try {
        const info = createLockInfo();
        const lock = await driver.acquireLock(info, { timeoutMs: 0 });
        const header = { orderformJournal: 1 as const, lineage: randomUUID(), baseSerial: 0 };
        await lock.appendJournal([createIntentEntry("a")], header);
        await expect(driver.breakLock(randomUUID())).rejects.toMatchObject({ code: "state.lock-not-found" });
        expect((await driver.breakLock(info.id)).id).toBe(info.id);
        const next = await driver.acquireLock(createLockInfo(), { timeoutMs: 2000 });
        await expect(lock.appendJournal([createIntentEntry("b")], undefined)).rejects.toMatchObject({
          code: "state.lock-lost",
        });
        const state: StateFile = { ...createEmptyState(header.lineage), serial: 1 };
        await expect(lock.commit(state, createMeta(state), null)).rejects.toMatchObject({
          code: "state.lock-lost",
        });
        // The broken holder's acknowledged record is still there for the next holder to recover.
        expect(
          (await driver.readJournal()).entries.map((e) => (e.type === "intent" ? e.intent.name : "")),
        ).toEqual(["a"]);
        await next.release();
        await lock.release();
      } finally {
        await driver.close();
      }
    });

    it(
      "frees the lock of a holder that stops renewing once its lease runs out",
      async () => {
        const driver = await fresh();
        try {
          const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
          // Simulates a holder that died: it neither renews nor releases.
          lock.suspendRenewal();
          const started = Date.now();
          const next = await driver.acquireLock(createLockInfo(), { timeoutMs: options.leaseMs * 3 });
          expect(Date.now() - started).toBeGreaterThanOrEqual(options.leaseMs / 2);
          await expect(lock.appendJournal([createIntentEntry("late")], undefined)).rejects.toMatchObject({
            code: "state.lock-lost",
          });
          await next.release();
        } finally {
          await driver.close();
        }
      },
      options.leaseMs * 5 + 10_000,
    );

    it(
      "keeps renewing while the holder lives, past several lease periods",
      async () => {
        const driver = await fresh();
        try {
          const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
          await sleep(options.leaseMs * 1.5);
          expect(lock.lost).toBeUndefined();
          await lock.appendJournal([createIntentEntry("a")], {
            orderformJournal: 1,
            lineage: randomUUID(),
            baseSerial: 0,
          });
          await lock.release();
        } finally {
          await driver.close();
        }
      },
      options.leaseMs * 3 + 10_000,
    );
  });
}
