/**
 * StateSession.appendAll on the local backend (generate's records, docs/generate.md): every record
 * in one journal write, folded into the session's state, recovered by the next run when no commit
 * follows, and refused with nothing appended once the lock is lost.
 */
import { mkdtemp, readFile, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { catchError, createOrder, createTestStore } from "./fixtures.js";

let dir: string;
let P: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-append-all-"));
  P = join(dir, "orderform.state.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NAMES = Array.from({ length: 50 }, (_, i) => `generated/n${i}`);
const ENTRIES = NAMES.map((name) => ({ type: "created" as const, order: createOrder(name) }));

describe("appendAll (local)", () => {
  it("writes every record after one header, folds them in, and commits them as one version", async () => {
    const store = createTestStore(dir);
    const session = await store.open("generate", { timeoutMs: 0 });
    await session.appendAll(ENTRIES);
    const lines = (await readFile(`${P}.journal`, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(1 + NAMES.length);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ orderformJournal: 1 });
    expect(Object.keys(session.current().orders).sort()).toEqual([...NAMES].sort());
    const committed = await session.commit({ command: "generate", summary: "50 generated" });
    await session.release();
    expect(committed.serial).toBe(1);
    expect((await store.listHistory()).map((h) => h.command)).toEqual(["generate"]);
  });

  it("leaves the records in the journal for the next run when no commit follows", async () => {
    const store = createTestStore(dir);
    const session = await store.open("generate", { timeoutMs: 0 });
    await session.appendAll(ENTRIES);
    await session.release();
    const next = await store.open("generate", { timeoutMs: 0 });
    expect(Object.keys(next.current().orders)).toHaveLength(NAMES.length);
    await next.release();
  });

  it("refuses with state.lock-lost and appends nothing once the lock is gone", async () => {
    const store = createTestStore(dir);
    const session = await store.open("generate", { timeoutMs: 0 });
    await unlink(`${P}.lock`);
    const error = await catchError(session.appendAll(ENTRIES));
    expect(error.code).toBe("state.lock-lost");
    expect(error.message).toContain(`None of its ${NAMES.length} record(s) were appended`);
    expect(session.current().orders).toEqual({});
    await session.release();
  });
});
