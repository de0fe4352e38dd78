/**
 * The pg driver's speed on loopback: an append is one round trip whatever the state's size, and a
 * commit of a 20,000-order state (about 13 MB) stays well under 2 s.
 */
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type { StateFile } from "../../../../src/core/model.js";
import { createEmptyState } from "../../../../src/core/state-journal.js";
import { createLockInfo, createMeta } from "./driver-contract.js";
import { createTestDriver, postgresAvailable, usePostgres } from "./pg-test-server.js";
import { createIntent, createOrder } from "../fixtures.js";

const server = usePostgres();

function createStateWithOrders(count: number): StateFile {
  const state: StateFile = { ...createEmptyState(randomUUID()), serial: 1 };
  for (let i = 0; i < count; i += 1) state.orders[`order-${i}`] = createOrder(`order-${i}`);
  return state;
}

describe.runIf(postgresAvailable)("pg driver: speed", () => {
  for (const count of [100, 20_000]) {
    it(`appends in one round trip and commits a state of ${count} orders quickly`, async () => {
      const driver = createTestDriver(server.current(), { lockTtlSeconds: 15 });
      try {
        const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
        const state = createStateWithOrders(count);
        const header = { orderformJournal: 1 as const, lineage: state.lineage, baseSerial: 0 };
        const appends = 200;
        let started = performance.now();
        for (let i = 0; i < appends; i += 1) {
          await lock.appendJournal(
            [{ type: "intent", intent: createIntent(`n-${i}`) }],
            i === 0 ? header : undefined,
          );
        }
        const appendMs = (performance.now() - started) / appends;
        started = performance.now();
        const token = await lock.commit(state, createMeta(state), null);
        const firstCommitMs = performance.now() - started;
        const next: StateFile = { ...state, serial: 2 };
        started = performance.now();
        await lock.commit(next, createMeta(next), token);
        const commitMs = performance.now() - started;
        started = performance.now();
        const read = await driver.readSnapshot();
        const readMs = performance.now() - started;
        const bytes = JSON.stringify(state).length;
        console.info(
          `pg ${count} orders (${(bytes / 1e6).toFixed(1)} MB): append ${appendMs.toFixed(2)} ms, commit ${firstCommitMs.toFixed(0)} / ${commitMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`,
        );
        expect(read?.state.serial).toBe(2);
        expect(appendMs).toBeLessThan(20);
        expect(commitMs).toBeLessThan(2_000);
        await lock.release();
      } finally {
        await driver.close();
      }
    });
  }
});
