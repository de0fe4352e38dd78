/**
 * readStateOnWorker (src/state/state-worker.ts) beside StateStore.read() on this thread, for the
 * tests of every backend: the worker is the built one (dist/), which is what plan starts.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Worker } from "node:worker_threads";
import { expect } from "vitest";
import type { LoadedConfig } from "../../../src/config/types.js";
import type { StateFile } from "../../../src/core/model.js";
import type { JournalEntry } from "../../../src/core/state-journal.js";
import { openConfiguredStateStore } from "../../../src/state/open-store.js";
import type * as CoreErrors from "../../../src/core/errors.js";
import type * as StateWorker from "../../../src/state/state-worker.js";
import { createFailure, createIntent, createOrder } from "./fixtures.js";

const DIST = join(import.meta.dirname, "../../../dist");
export const { readStateOnWorker } = (await import(
  pathToFileURL(join(DIST, "state/state-worker.js")).href
)) as typeof StateWorker;
/** The built OrderformError: the worker's errors are of this class, as the built CLI sees them. */
export const { OrderformError: BuiltOrderformError } = (await import(
  pathToFileURL(join(DIST, "core/errors.js")).href
)) as typeof CoreErrors;

const CUSTOMERS = [
  "b0d70a69-4c42-4b27-b17b-91a835d8686a",
  "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13",
  "f81d98dd-c2f4-499e-a194-5619e260344e",
];

/** A settled read: the state, or the error's name, code, message, hint and diagnostics. */
export type ReadOutcome = { state: StateFile | null } | { error: Record<string, unknown> };

async function settleRead(read: () => Promise<StateFile | null>): Promise<ReadOutcome> {
  try {
    return { state: await read() };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const { name, message } = error;
    const { code, hint, diagnostics } = error as Partial<CoreErrors.OrderformError>;
    return { error: { name, code, message, hint, diagnostics } };
  }
}

export interface BothReads {
  outcome: ReadOutcome;
  notices: string[];
  /** The kinds of the worker's messages, in order. */
  kinds: string[];
}

/**
 * Reads the state on the worker and on this thread: the outcomes and the notices must be the
 * same, a state's serialized form too (toStrictEqual ignores the order of keys, JSON does not),
 * and the worker must end on its own once it has answered (a plan's process waits for it).
 */
export async function readBoth(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<BothReads> {
  const workerNotices: string[] = [];
  const threadNotices: string[] = [];
  const kinds: string[] = [];
  // Node announces every worker it starts ('worker' on process): its messages and exit are watched.
  const exited = new Promise<number>((resolve) =>
    process.once("worker", (worker: Worker) => {
      worker.on("message", (message: StateWorker.StateWorkerMessage) => kinds.push(message.kind));
      worker.once("exit", resolve);
    }),
  );
  const onWorker = await settleRead(() =>
    readStateOnWorker(loaded, { env, notify: (text) => workerNotices.push(text) }),
  );
  expect(await exited).toBe(0);
  // Opening refuses a missing secret; the worker posts that error back.
  const inThread = await settleRead(async () =>
    (await openConfiguredStateStore(loaded, { env, notify: (text) => threadNotices.push(text) })).read(),
  );
  expect(onWorker).toStrictEqual(inThread);
  expect(JSON.stringify(onWorker)).toBe(JSON.stringify(inThread));
  if ("state" in onWorker && "state" in inThread && onWorker.state !== null) {
    expect(Object.keys(onWorker.state.orders)).toEqual(Object.keys(inThread.state?.orders ?? {}));
  }
  expect(workerNotices).toEqual(threadNotices);
  return { outcome: inThread, notices: threadNotices, kinds };
}

export async function readBothStates(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<StateFile> {
  const { outcome } = await readBoth(loaded, env);
  if (!("state" in outcome) || outcome.state === null)
    throw new Error(`no state: ${JSON.stringify(outcome)}`);
  return outcome.state;
}

export async function readBothErrors(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, unknown>> {
  const { outcome } = await readBoth(loaded, env);
  if (!("error" in outcome)) throw new Error(`expected both reads to fail: ${JSON.stringify(outcome)}`);
  return outcome.error;
}

/**
 * Records for every section of state: created orders (names that look like array indexes among
 * them, which objects order first), a status change, failures, pending intents, pending seat
 * changes and customers' names.
 */
export function createEntries(count: number, prefix: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = i % 100 === 0 ? String(i) : `${prefix}/o${i}`;
    const customer = CUSTOMERS[i % CUSTOMERS.length]!;
    entries.push({ type: "intent", intent: { ...createIntent(name), customer, generation: 0 } });
    entries.push({ type: "created", order: createOrder(name, { customer, status: "completed" }) });
  }
  entries.push(
    { type: "status", name: `${prefix}/o1`, status: "cancelled" },
    { type: "intent", intent: createIntent(`${prefix}/waiting`) },
    { type: "intent", intent: createIntent(`${prefix}/refused`) },
    { type: "failed", failure: createFailure(`${prefix}/refused`) },
    {
      type: "update-intent",
      update: {
        name: `${prefix}/o2`,
        customer: CUSTOMERS[2]!,
        orderId: `order-${prefix}/o2`,
        lineItemNumber: 0,
        subscriptionId: "sub-1",
        from: 25,
        to: 30,
        requestId: "req-update",
        startedAt: "2026-01-02T03:04:08Z",
      },
    },
    ...CUSTOMERS.map((customer, i) => ({
      type: "customer" as const,
      customer,
      record: { companyName: `Company ${i} <&>`, seenAt: "2026-01-02T03:04:09Z" },
    })),
  );
  return entries;
}

/** What a state of createEntries(count, prefix) holds in each section. */
export function expectEverySection(state: StateFile, count: number, prefix: string): void {
  expect(Object.keys(state.orders)).toHaveLength(count);
  expect(Object.keys(state.orders).slice(0, 3)).toEqual(["0", "100", "200"]);
  expect(state.orders[`${prefix}/o1`]?.status).toBe("cancelled");
  expect(Object.keys(state.pending)).toEqual([`${prefix}/waiting`]);
  expect(Object.keys(state.failures)).toEqual([`${prefix}/refused`]);
  expect(Object.keys(state.pendingUpdates ?? {})).toEqual([`${prefix}/o2#0`]);
  expect(Object.keys(state.customers ?? {})).toHaveLength(CUSTOMERS.length);
  expect(Object.keys(state.generations ?? {}).length).toBeGreaterThanOrEqual(count);
}
