import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { link, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { OrderformError } from "../../../src/core/errors.js";
import { createEmptyState } from "../../../src/core/state-journal.js";
import { createWriteFailedError } from "../../../src/state/errors.js";
import { renderHistoryFile, writeHistoryVersion } from "../../../src/state/history.js";
import { JournalWriter, renderJournalHeader } from "../../../src/state/journal.js";
import type { LocalStateStoreOptions } from "../../../src/state/local-store.js";
import { createLinuxStatus, readProcessStatus } from "../../../src/state/process-identity.js";
import type { LockInfo } from "../../../src/state/types.js";
import { catchError, createIntent, createOrder, createTestStore } from "./fixtures.js";

let dir: string;
let P: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-safety-"));
  P = join(dir, "orderform.state.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function createStore(overrides: Partial<LocalStateStoreOptions> = {}) {
  return createTestStore(dir, overrides);
}

/** Commits `count` versions, each with one created order. */
async function commitVersions(count: number) {
  const store = createStore();
  for (let i = 0; i < count; i += 1) {
    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "created", order: createOrder(`o${i}`) });
    await session.commit({ command: "apply", summary: `step ${i}` });
    await session.release();
  }
  return store;
}

const historyFile = (serial: number) => join(`${P}.history`, `${String(serial).padStart(6, "0")}.json`);

function createDeadLock(overrides: Partial<LockInfo> = {}): LockInfo {
  return {
    id: "dead-holder",
    owner: "bob",
    host: hostname(),
    pid: 999_999_999, // beyond any pid_max: never running
    started: "2026-01-01T00:00:00.000Z",
    operation: "apply",
    ...overrides,
  };
}

describe("integrity against history", () => {
  it("refuses a rolled-back snapshot on read and open, naming the newest version and the remedies", async () => {
    const store = await commitVersions(3);
    const v1 = JSON.parse(await readFile(historyFile(1), "utf8")) as { state: unknown };
    await writeFile(P, JSON.stringify(v1.state));
    for (const attempt of [store.read(), store.open("apply", { timeoutMs: 0 })]) {
      const error = await catchError(attempt);
      expect(error.code).toBe("state.rolled-back");
      expect(error.message).toContain("is at serial 1, but history's newest version is serial 3");
      expect(error.hint).toContain(`jq .state ${historyFile(3)} > ${P}`);
      expect(error.hint).toContain("jq '.serial = 3'");
    }
    // The open released its lock.
    expect((await readdir(dir)).includes("orderform.state.json.lock")).toBe(false);
  });

  it("refuses a snapshot of another lineage than history's newest version", async () => {
    const store = await commitVersions(1);
    const state = JSON.parse(await readFile(P, "utf8")) as { lineage: string };
    await writeFile(P, JSON.stringify({ ...state, lineage: "11111111-2222-4333-8444-555555555555" }));
    const error = await catchError(store.read());
    expect(error.code).toBe("state.lineage-mismatch");
    expect(error.hint).toContain(`mv ${P}.history`);
  });

  it("accepts the interrupted-commit window (history one serial ahead, journal on top of the snapshot) and commits above it", async () => {
    const store = await commitVersions(1);
    const snapshot = JSON.parse(await readFile(P, "utf8")) as ReturnType<typeof createEmptyState>;
    const entry = { type: "created" as const, order: createOrder("late") };
    await writeFile(`${P}.journal`, `${renderJournalHeader(snapshot.lineage, 1)}${JSON.stringify(entry)}\n`);
    const next = { ...snapshot, serial: 2, orders: { ...snapshot.orders, late: entry.order } };
    const meta = {
      serial: 2,
      lineage: snapshot.lineage,
      time: "2026-01-01T00:00:00.000Z",
      command: "apply",
      user: "alice",
      host: "h",
      summary: "killed before the snapshot",
    };
    await writeFile(historyFile(2), renderHistoryFile(meta, next));
    expect((await store.read())?.orders.late?.orderId).toBe("order-late");
    const session = await store.open("apply", { timeoutMs: 0 });
    expect(session.current().serial).toBe(3);
    await session.release();
    expect((await store.listHistory()).map((h) => [h.serial, h.command])).toEqual([
      [1, "apply"],
      [2, "apply"],
      [3, "recover"],
    ]);
  });

  it("creates a history file exclusively and never overwrites it", async () => {
    const state = { ...createEmptyState("6f1c2d3e-4a5b-4c6d-8e7f-901234567890"), serial: 1 };
    const meta = {
      serial: 1,
      lineage: state.lineage,
      time: "t",
      command: "apply",
      user: "u",
      host: "h",
      summary: "s",
    };
    await writeHistoryVersion(`${P}.history`, meta, state);
    const before = await readFile(historyFile(1), "utf8");
    const error = await catchError(writeHistoryVersion(`${P}.history`, { ...meta, summary: "other" }, state));
    expect(error.code).toBe("state.history-exists");
    expect(await readFile(historyFile(1), "utf8")).toBe(before);
    expect(await readdir(`${P}.history`)).toEqual(["000001.json"]);
  });

  it("lists a damaged history file apart and keeps listing the others", async () => {
    const store = await commitVersions(3);
    await writeFile(historyFile(2), "garbage");
    const listing = await store.readHistoryListing();
    expect(listing.entries.map((e) => e.serial)).toEqual([1, 3]);
    expect(listing.damaged).toEqual([expect.objectContaining({ serial: 2, file: historyFile(2) })]);
    expect((await store.listHistory()).map((e) => e.serial)).toEqual([1, 3]);
  });
});

describe("lock takeover", () => {
  it("takes over the lock of a dead holder and records it even with no journal and no state", async () => {
    await writeFile(`${P}.lock`, JSON.stringify(createDeadLock()));
    const notices: string[] = [];
    const session = await createStore({ notify: (t) => notices.push(t) }).open("apply", { timeoutMs: 0 });
    expect(session.current().serial).toBe(1);
    await session.release();
    expect(notices.join("")).toContain("took over the state lock of bob@");
    expect(notices.join("")).toContain("Recovered 0 journal record(s)");
    const [version] = await createStore().listHistory();
    expect(version?.command).toBe("lock takeover");
    expect(version?.summary).toContain("no journal records to recover");
    // A later read is not a rollback, and the empty version 1 is a valid base.
    expect((await createStore().read())?.serial).toBe(1);
  });

  it("takes over a recycled pid (alive, other start time) but not a live holder or one on another host", async () => {
    const own = await readProcessStatus(process.pid);
    expect(own.alive).toBe(true);
    await writeFile(
      `${P}.lock`,
      JSON.stringify(createDeadLock({ pid: process.pid, startTime: "linux:x:1" })),
    );
    const taken = await createStore().open("apply", { timeoutMs: 0 });
    await taken.release();

    for (const holder of [
      createDeadLock({
        pid: process.pid,
        ...(own.startTime === undefined ? {} : { startTime: own.startTime }),
      }),
      createDeadLock({ pid: process.pid }), // start time unknown: never proved gone
      createDeadLock({ host: "another-host" }),
    ]) {
      await writeFile(`${P}.lock`, JSON.stringify(holder));
      const error = await catchError(createStore().open("apply", { timeoutMs: 30 }));
      expect(error.code).toBe("state.locked");
      expect(error.message).toMatch(/waited \d+ ms\.$/);
    }
  });

  it("lets exactly one of several concurrent runs take over a dead holder's lock", async () => {
    await writeFile(`${P}.lock`, JSON.stringify(createDeadLock()));
    const notices: string[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        createStore({ notify: (t) => notices.push(t) }).open("apply", { timeoutMs: 0 }),
      ),
    );
    const opened = results.filter((r) => r.status === "fulfilled");
    expect(opened).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as OrderformError).code).toBe("state.locked");
    }
    expect(notices).toHaveLength(1);
    await (
      opened[0] as PromiseFulfilledResult<Awaited<ReturnType<ReturnType<typeof createStore>["open"]>>>
    ).value.release();
  });

  it("reports an interrupted takeover as stale, and force-unlock removes the lock and its marker", async () => {
    await writeFile(`${P}.lock`, JSON.stringify(createDeadLock()));
    await link(`${P}.lock`, `${P}.lock.taken-dead-holder`);
    const store = createStore();
    const error = await catchError(store.open("apply", { timeoutMs: 0 }));
    expect(error.code).toBe("state.lock-stale");
    expect(error.hint).toContain("orderform force-unlock dead-holder");
    const removed = await store.forceUnlock("dead-holder");
    expect(removed.running).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes(".lock"))).toEqual([]);
  });
});

describe("force-unlock and fencing", () => {
  it("refuses to remove a live holder's lock without force; the forced-out session refuses intents and saves order records to an orphan journal that the next open folds in", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "intent", intent: createIntent("a") });
    expect((await catchError(store.forceUnlock(session.lock.id))).code).toBe("state.lock-alive");
    expect((await store.forceUnlock(session.lock.id, { force: true })).running).toBe(true);

    const intent = await catchError(session.append({ type: "intent", intent: createIntent("b") }));
    expect(intent.code).toBe("state.lock-lost");
    expect(intent.message).toContain("no longer exists");
    expect(intent.message).toContain("The intent to create b was not recorded. The order for b is not sent.");
    const created = await catchError(session.append({ type: "created", order: createOrder("a") }));
    expect(created.code).toBe("state.lock-lost");
    const orphan = `${P}.journal.orphan-${session.lock.id}`;
    expect(created.message).toContain(`It was saved to ${orphan}`);
    expect(await readFile(orphan, "utf8")).toContain("order-a");
    expect((await catchError(session.commit({ command: "apply", summary: "x" }))).code).toBe(
      "state.lock-lost",
    );
    await session.release();
    // The journal was not removed by the session that lost the lock.
    expect(await readFile(`${P}.journal`, "utf8")).toContain("req-a");

    const next = await store.open("apply", { timeoutMs: 0 });
    expect(next.current().orders.a?.orderId).toBe("order-a");
    expect(next.current().pending).toEqual({});
    await next.release();
    expect((await readdir(dir)).filter((n) => n.includes("orphan"))).toEqual([]);
    expect((await store.listHistory()).at(-1)?.summary).toContain("orphan journal");
  });

  it("names the run that holds the lock now", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    await writeFile(`${P}.lock`, JSON.stringify({ ...session.lock, id: "someone-else", owner: "carol" }));
    const error = await catchError(session.append({ type: "status", name: "x", status: "completed" }));
    expect(error.message).toContain("the lock is now held by carol@");
    await session.release();
    expect(JSON.parse(await readFile(`${P}.lock`, "utf8")).id).toBe("someone-else");
  });
});

describe("write failures", () => {
  it("describes ENOSPC, EACCES and EROFS with the file, the errno code and message, and a hint", () => {
    for (const code of ["ENOSPC", "EACCES", "EROFS"]) {
      const cause = Object.assign(new Error(`${code}: simulated, write`), { code });
      const error = createWriteFailedError("/x/state.json.journal", cause, "The record was not written.");
      expect(error.code).toBe("state.write-failed");
      expect(error.message).toBe(
        `Could not write /x/state.json.journal: ${code}: simulated, write. The record was not written.`,
      );
      expect(error.hint).toContain("/x/state.json.journal");
    }
  });

  it("a journal write that fails keeps earlier records, refuses later ones and the commit, and releases the lock", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "intent", intent: createIntent("a") });
    await session.append({ type: "created", order: createOrder("a") });
    await session.commit({ command: "apply", summary: "1" });
    await session.release();

    await symlink("/dev/full", `${P}.journal`);
    const failing = await store.open("apply", { timeoutMs: 0 });
    const error = await catchError(failing.append({ type: "intent", intent: createIntent("b") }));
    expect(error.code).toBe("state.write-failed");
    expect(error.message).toContain(`Could not write ${P}.journal: ENOSPC`);
    const created = await catchError(failing.append({ type: "created", order: createOrder("b") }));
    expect(created.message).toContain("An earlier write to");
    expect(created.message).toContain(`It was saved to ${P}.journal.orphan-${failing.lock.id}`);
    expect((await catchError(failing.commit({ command: "apply", summary: "x" }))).code).toBe(
      "state.write-failed",
    );
    await failing.release();
    // The lock is released; the journal (a symlink to /dev/full here) is left in place.
    expect((await readdir(dir)).includes("orderform.state.json.lock")).toBe(false);

    await rm(`${P}.journal`);
    const next = await store.open("apply", { timeoutMs: 0 });
    expect(Object.keys(next.current().orders).sort()).toEqual(["a", "b"]);
    await next.release();
  });

  it("JournalWriter turns a failed append into state.write-failed naming the journal", async () => {
    await symlink("/dev/full", join(dir, "j"));
    const writer = await JournalWriter.open(join(dir, "j"));
    const error = await catchError(writer.append("x\n"));
    expect(error.code).toBe("state.write-failed");
    expect(error.message).toContain(join(dir, "j"));
    await writer.close();
  });

  it("a history folder that cannot be created keeps the records in the journal", async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(`${P}.history`, "not a folder");
    const store = createStore();
    const error = await catchError(store.open("apply", { timeoutMs: 0 }));
    expect(error.code).toBe("state.read-failed");
    await rm(`${P}.history`);
    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "created", order: createOrder("a") });
    await writeFile(`${P}.history`, "not a folder");
    const failed = await catchError(session.commit({ command: "apply", summary: "1" }));
    expect(failed.code).toBe("state.write-failed");
    expect(failed.message).toContain(`the 1 record(s) to commit stay in ${P}.journal`);
    await session.release();
    await rm(`${P}.history`);
    expect((await store.read())?.orders.a?.orderId).toBe("order-a");
  });
});

describe("process identity", () => {
  it("reads the start time after the last parenthesis of /proc/<pid>/stat, and treats a zombie as gone", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = "S";
    const stat = `123 (a (weird) name) ${fields.join(" ")}`;
    expect(createLinuxStatus(stat, "boot\n")).toEqual({ alive: true, startTime: "linux:boot:22" });
    fields[0] = "Z";
    expect(createLinuxStatus(`1 (x) ${fields.join(" ")}`, "b")?.alive).toBe(false);
  });
});
