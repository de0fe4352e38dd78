/**
 * readStateOnWorker (src/state/state-worker.ts) against StateStore.read() on this thread, for
 * local states: the same state, keys in the same order, or the same error. The worker runs from
 * the built dist/ only (its entry is resolved next to the module), so the built module is tested;
 * `npm test` builds first. The remote backends: ./state-worker-remote.test.ts.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import type { LoadedConfig } from "../../../src/config/types.js";
import { createEmptyState, type JournalEntry } from "../../../src/core/state-journal.js";
import { LINEAGE, createIntent, createOrder, createTestStore } from "./fixtures.js";
import {
  BuiltOrderformError,
  createEntries,
  expectEverySection,
  readBoth,
  readBothErrors,
  readBothStates,
  readStateOnWorker,
} from "./state-worker-harness.js";

/** More than twice the worker's batch (BATCH_RECORDS, 1,000 records): several batches are posted. */
const MANY_ORDERS = 2_500;

let dir: string;
let P: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-state-worker-"));
  P = join(dir, "orderform.state.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function createLoaded(): LoadedConfig {
  return {
    config: { ...createDefaultConfig(), state: { backend: "local", path: "orderform.state.json" } },
    filepath: null,
    rootDir: dir,
  };
}

async function commitEntries(entries: readonly JournalEntry[]): Promise<void> {
  const session = await createTestStore(dir).open("apply", { timeoutMs: 0 });
  await session.appendAll(entries);
  await session.commit({ command: "apply", summary: `${entries.length} records` });
  await session.release();
}

describe("readStateOnWorker returns what read() returns", () => {
  it("no state: null", async () => {
    expect(await readBoth(createLoaded(), process.env)).toEqual({
      outcome: { state: null },
      notices: [],
      kinds: ["head", "done"],
    });
  });

  it("an empty state", async () => {
    await writeFile(P, JSON.stringify({ ...createEmptyState(LINEAGE), serial: 3 }));
    expect((await readBothStates(createLoaded(), process.env)).serial).toBe(3);
  });

  it(`a state of ${MANY_ORDERS} orders and every other section, in batches, keys in the same order`, async () => {
    await commitEntries(createEntries(MANY_ORDERS, "team"));
    const { outcome, kinds } = await readBoth(createLoaded(), process.env);
    expect(kinds).toEqual(["head", "orders", "orders", "orders", "done"]);
    if (!("state" in outcome) || outcome.state === null) throw new Error("no state");
    expectEverySection(outcome.state, MANY_ORDERS, "team");
  });

  it("a journal left behind by a run that did not commit: the same state, folded in", async () => {
    await commitEntries(createEntries(30, "old"));
    const session = await createTestStore(dir).open("apply", { timeoutMs: 0 });
    await session.appendAll(createEntries(1_200, "new"));
    await session.release();
    expect((await readFile(`${P}.journal`, "utf8")).length).toBeGreaterThan(0);
    const { outcome, notices } = await readBoth(createLoaded(), process.env);
    const state = "state" in outcome ? outcome.state : null;
    expect(Object.keys(state?.orders ?? {})).toContain("new/o1199");
    expect(Object.keys(state?.orders ?? {})).toContain("old/o29");
    expect(state?.serial).toBe(1);
    // read() folds the journal in without a word: only a locked open recovers it and says so.
    expect(notices).toEqual([]);
  });
});

describe("readStateOnWorker fails as read() does", () => {
  it("a truncated state file: state.corrupt, with the hint to the last good version", async () => {
    await commitEntries(createEntries(20, "team"));
    await commitEntries([{ type: "forget", name: "team/o3" }]);
    await truncate(P, 100);
    const error = await readBothErrors(createLoaded(), process.env);
    expect(error).toMatchObject({ name: "OrderformError", code: "state.corrupt", diagnostics: [] });
    expect(error.message).toContain(P);
    expect(error.hint).toContain(join(`${P}.history`, "000002.json"));
    await expect(readStateOnWorker(createLoaded(), { env: process.env })).rejects.toBeInstanceOf(
      BuiltOrderformError,
    );
  });

  it.each([
    { name: "an empty file", content: "", code: "state.corrupt" },
    {
      name: "a record under another name",
      content: JSON.stringify({ ...createEmptyState(LINEAGE), orders: { x: createOrder("y") } }),
      code: "state.corrupt",
    },
    {
      name: "an unknown version",
      content: JSON.stringify({ ...createEmptyState(LINEAGE), version: 2 }),
      code: "state.unknown-version",
    },
  ])("$name: $code, no history to restore from", async ({ content, code }) => {
    await writeFile(P, content);
    const error = await readBothErrors(createLoaded(), process.env);
    expect(error.code).toBe(code);
    expect(error.message).toContain(P);
  });

  it("a journal of another lineage: state.lineage-mismatch", async () => {
    await commitEntries(createEntries(3, "team"));
    const other = await mkdtemp(join(tmpdir(), "orderform-state-worker-other-"));
    try {
      const session = await createTestStore(other).open("apply", { timeoutMs: 0 });
      await session.append({ type: "intent", intent: createIntent("stray") });
      await writeFile(`${P}.journal`, await readFile(join(other, "orderform.state.json.journal")));
      await session.release();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    expect((await readBothErrors(createLoaded(), process.env)).code).toBe("state.lineage-mismatch");
  });
});
