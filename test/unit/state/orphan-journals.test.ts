/**
 * Orphan journals and journals without a header in the local state (docs/state.md, "Fencing"):
 * records of a fenced run are never dropped, and a commit of them cut short is no rollback.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalStateStoreOptions } from "../../../src/state/local-store.js";
import { catchError, createIntent, createOrder, createTestStore } from "./fixtures.js";

let dir: string;
let P: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-orphans-"));
  P = join(dir, "orderform.state.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function createStore(overrides: Partial<LocalStateStoreOptions> = {}) {
  return createTestStore(dir, overrides);
}

describe("orphan journals", () => {
  it("keeps an order record that a fenced run saves to its orphan journal while the next run is folding that journal in", async () => {
    const store = createStore();
    const fenced = await store.open("apply", { timeoutMs: 0 });
    await fenced.append({ type: "intent", intent: createIntent("x") });
    await fenced.append({ type: "intent", intent: createIntent("y") });
    await store.forceUnlock(fenced.lock.id, { force: true });
    // x's order is answered: its record goes to the fenced run's orphan journal.
    expect((await catchError(fenced.append({ type: "created", order: createOrder("x") }))).code).toBe(
      "state.lock-lost",
    );

    // The next run reads that orphan journal at open and commits it. While it commits, y's order
    // (in flight in the fenced run) is answered, and its record is saved to the same orphan journal.
    let yMessage = "";
    const next = createStore({
      readGitCommit: async () => {
        if (yMessage === "") {
          yMessage = (await catchError(fenced.append({ type: "created", order: createOrder("y") }))).message;
        }
        return undefined;
      },
    });
    const session = await next.open("apply", { timeoutMs: 0 });
    await session.release();
    await fenced.release();
    expect(yMessage).toContain("It was saved to");

    // The fenced run said the record was saved for the next run to fold in: it must be recorded.
    const later = await store.open("apply", { timeoutMs: 0 });
    expect(later.current().orders.x?.orderId).toBe("order-x");
    expect(later.current().orders.y?.orderId).toBe("order-y");
    await later.release();
  });

  it("does not call a commit of orphan records that was cut short before the snapshot a rollback", async () => {
    const store = createStore();
    const first = await store.open("apply", { timeoutMs: 0 });
    await first.append({ type: "created", order: createOrder("a") });
    await first.commit({ command: "apply", summary: "1" });
    await first.release();

    const fenced = await store.open("apply", { timeoutMs: 0 });
    await fenced.append({ type: "intent", intent: createIntent("x") });
    await fenced.commit({ command: "apply", summary: "2" }); // serial 2: x pending, journal empty
    await store.forceUnlock(fenced.lock.id, { force: true });
    await catchError(fenced.append({ type: "created", order: createOrder("x") })); // orphan only
    await fenced.release();

    // The next run folds the orphan journal in and writes history 3; it stops before the snapshot
    // is replaced (as a kill there would): here the snapshot path is briefly a folder.
    const aside = `${P}.aside`;
    const interrupted = createStore({
      readGitCommit: async () => {
        await rename(P, aside);
        await mkdir(P);
        await writeFile(join(P, "x"), "");
        return undefined;
      },
    });
    expect((await catchError(interrupted.open("apply", { timeoutMs: 0 }))).code).toBe("state.write-failed");
    await rm(P, { recursive: true });
    await rename(aside, P);
    expect((await readdir(`${P}.history`)).sort()).toEqual(["000001.json", "000002.json", "000003.json"]);

    // History 3 is the interrupted commit of the orphan journal that is still there: not a rollback.
    const read = await store.read();
    expect(read?.orders.x?.orderId).toBe("order-x");
    const session = await store.open("apply", { timeoutMs: 0 });
    expect(session.current().orders.x?.orderId).toBe("order-x");
    await session.release();
  });
});

describe("a journal without a header", () => {
  it("does not silently drop a complete record that is a journal's only line (a fenced run's append after the journal was emptied)", async () => {
    const store = createStore();
    const first = await store.open("apply", { timeoutMs: 0 });
    await first.append({ type: "created", order: createOrder("a") });
    await first.commit({ command: "apply", summary: "1" });
    await first.release();
    await writeFile(`${P}.journal`, `${JSON.stringify({ type: "created", order: createOrder("b") })}\n`);
    // docs/state.md, Fencing: "the next open reports state.journal-corrupt instead of dropping it silently".
    expect((await catchError(store.open("apply", { timeoutMs: 0 }))).code).toBe("state.journal-corrupt");
  });
});
