import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createEmptyState } from "../../../src/core/state-journal.js";
import { createLocalStateStore, readGitHead } from "../../../src/state/local-store.js";
import type { LocalStateStoreOptions } from "../../../src/state/local-store.js";
import { renderJournalHeader } from "../../../src/state/journal.js";
import { LINEAGE, catchError, createIntent, createOrder } from "./fixtures.js";

let dir: string;
let P: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-state-"));
  P = join(dir, "orderform.state.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function createStore(overrides: Partial<LocalStateStoreOptions> = {}) {
  let tick = 0;
  return createLocalStateStore({
    rootDir: dir,
    path: "orderform.state.json",
    now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
    readGitCommit: () => Promise.resolve("0123456789abcdef0123456789abcdef01234567"),
    user: "alice",
    host: "build-host",
    ...overrides,
  });
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe("local state store: writes", () => {
  it("starts from an empty state, commits serial 1 atomically with mode 0600, and tidies up", async () => {
    const store = createStore();
    expect(await store.read()).toBeNull();
    const session = await store.open("apply", { timeoutMs: 0 });
    expect(session.current().serial).toBe(0);
    expect(session.current().lineage).toMatch(/^[0-9a-f-]{36}$/);
    expect(await modeOf(`${P}.lock`)).toBe(0o600);

    await session.append({ type: "intent", intent: createIntent("a") });
    expect(await modeOf(`${P}.journal`)).toBe(0o600);
    await session.append({ type: "created", order: createOrder("a") });
    expect(session.current().orders.a?.orderId).toBe("order-a");
    expect(session.current().pending).toEqual({});

    const committed = await session.commit({ command: "apply", summary: "1 created" });
    expect(committed.serial).toBe(1);
    await session.release();

    const onDisk = JSON.parse(await readFile(P, "utf8")) as typeof committed;
    expect(onDisk).toEqual(committed);
    expect(await modeOf(P)).toBe(0o600);
    expect(await modeOf(`${P}.history`)).toBe(0o700);
    expect(await modeOf(join(`${P}.history`, "000001.json"))).toBe(0o600);
    // No temp files, no journal, no lock left behind.
    expect((await readdir(dir)).sort()).toEqual(["orderform.state.json", "orderform.state.json.history"]);
    expect(await readdir(`${P}.history`)).toEqual(["000001.json"]);
    expect(await store.read()).toEqual(committed);
  });

  it("commit without appends keeps the serial and writes no version", async () => {
    const store = createStore();
    const first = await store.open("apply", { timeoutMs: 0 });
    await first.append({ type: "created", order: createOrder("a") });
    await first.commit({ command: "apply", summary: "1 created" });
    await first.release();

    const second = await store.open("apply", { timeoutMs: 0 });
    const state = await second.commit({ command: "apply", summary: "no changes" });
    await second.release();
    expect(state.serial).toBe(1);
    expect((await store.listHistory()).map((h) => h.serial)).toEqual([1]);
  });

  it("read() shows a running session's journal folded in, without writing", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "intent", intent: createIntent("a") });
    const seen = await store.read();
    expect(seen?.pending.a?.requestId).toBe("req-a");
    expect(seen?.serial).toBe(0);
    expect((await readdir(dir)).includes("orderform.state.json")).toBe(false);
    await session.release();
  });

  it("serializes concurrent appends: every record reaches the journal and the state", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
    await Promise.all(names.map((n) => session.append({ type: "created", order: createOrder(n) })));
    const lines = (await readFile(`${P}.journal`, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(21); // header + 20 records
    expect(Object.keys(session.current().orders).sort()).toEqual([...names].sort());
    await session.commit({ command: "apply", summary: "20 created" });
    await session.release();
  });

  it("current() is a snapshot: later appends do not change a value already returned", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    const before = session.current();
    await session.append({ type: "created", order: createOrder("a") });
    expect(before.orders).toEqual({});
    expect(session.current().orders.a).toBeDefined();
    await session.release();
  });

  it("rejects an invalid journal entry before writing it (a caller bug)", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    const bogus = { type: "created", order: { name: "a" } } as never;
    await expect(session.append(bogus)).rejects.toThrow(/invalid journal entry/);
    await session.release();
    expect((await readdir(dir)).includes("orderform.state.json.journal")).toBe(false);
  });

  it("refuses to commit when the serial moved under the session, and keeps the journal for the next run", async () => {
    const store = createStore();
    const setup = await store.open("apply", { timeoutMs: 0 });
    await setup.append({ type: "created", order: createOrder("a") });
    const first = await setup.commit({ command: "apply", summary: "1 created" });
    await setup.release();

    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "created", order: createOrder("b") });
    // Another writer (ignoring the lock) replaces the snapshot with serial 2.
    await writeFile(P, JSON.stringify({ ...first, serial: 2 }), { mode: 0o600 });
    const error = await catchError(session.commit({ command: "apply", summary: "1 created" }));
    expect(error.code).toBe("state.serial-moved");
    expect(error.message).toContain("serial 2");
    expect(error.message).toContain("serial 1");
    expect(JSON.parse(await readFile(P, "utf8")).serial).toBe(2);
    await session.release();
    expect(await readFile(`${P}.journal`, "utf8")).toContain("order-b");

    // The next run folds the kept records in: the order placed is not lost.
    const next = await store.open("apply", { timeoutMs: 0 });
    expect(next.current().orders.b?.orderId).toBe("order-b");
    expect(next.current().serial).toBe(3);
    await next.release();
  });
});

describe("local state store: damaged files", () => {
  async function commitVersions(count: number) {
    const store = createStore();
    for (let i = 0; i < count; i += 1) {
      const session = await store.open("apply", { timeoutMs: 0 });
      await session.append({ type: "created", order: createOrder(`o${i}`) });
      await session.commit({ command: "apply", summary: "1 created" });
      await session.release();
    }
    return store;
  }

  it("never overwrites a truncated snapshot and points at the last good version in history", async () => {
    const store = await commitVersions(2);
    const size = (await stat(P)).size;
    await truncate(P, Math.floor(size / 2));
    const damaged = await readFile(P);

    const error = await catchError(store.open("apply", { timeoutMs: 0 }));
    expect(error.code).toBe("state.corrupt");
    expect(error.message).toContain(P);
    expect(error.hint).toContain(join(`${P}.history`, "000002.json"));
    expect(await readFile(P)).toEqual(damaged);
    expect((await readdir(dir)).includes("orderform.state.json.lock")).toBe(false);
    expect((await catchError(store.read())).code).toBe("state.corrupt");

    const lastGood = await store.readVersion(2);
    expect(Object.keys(lastGood.orders).sort()).toEqual(["o0", "o1"]);
  });

  const invalid: { name: string; content: string; code: string }[] = [
    { name: "empty file", content: "", code: "state.corrupt" },
    { name: "not JSON", content: "{ nope", code: "state.corrupt" },
    {
      name: "missing field",
      content: JSON.stringify({ version: 1, lineage: LINEAGE, serial: 1, orders: {}, pending: {} }),
      code: "state.corrupt",
    },
    {
      name: "key differs from record name",
      content: JSON.stringify({ ...createEmptyState(LINEAGE), orders: { x: createOrder("y") } }),
      code: "state.corrupt",
    },
    {
      name: "unknown version",
      content: JSON.stringify({ ...createEmptyState(LINEAGE), version: 2 }),
      code: "state.unknown-version",
    },
    {
      // JSON.parse takes nesting deeper than the call stack: the file is still just corrupt.
      name: "a record nested 100,000 arrays deep",
      content: `{"version":1,"lineage":"${LINEAGE}","serial":1,"orders":{"x":${"[".repeat(100_000)}"x"${"]".repeat(100_000)}},"pending":{},"failures":{}}`,
      code: "state.corrupt",
    },
  ];
  for (const c of invalid) {
    it(`refuses a snapshot with ${c.name} (${c.code})`, async () => {
      await writeFile(P, c.content);
      const store = createStore();
      expect((await catchError(store.read())).code).toBe(c.code);
      expect((await catchError(store.open("apply", { timeoutMs: 0 }))).code).toBe(c.code);
      expect(await readFile(P, "utf8")).toBe(c.content);
    });
  }

  it("refuses to start a new lineage when the snapshot is gone but history remains", async () => {
    const store = await commitVersions(1);
    await rm(P);
    const error = await catchError(store.open("apply", { timeoutMs: 0 }));
    expect(error.code).toBe("state.missing");
    expect(error.hint).toContain("000001.json");
    expect((await catchError(store.read())).code).toBe("state.missing");
  });

  it("ignores a torn last journal line and commits the acknowledged records as a recover version", async () => {
    const store = await commitVersions(1);
    const torn = JSON.stringify({ type: "created", order: createOrder("b") }).slice(0, 50);
    const lineage = (await store.read())?.lineage ?? "";
    await writeFile(
      P + ".journal",
      `${renderJournalHeader(lineage, 1)}${JSON.stringify({ type: "intent", intent: createIntent("b") })}\n${torn}`,
    );

    const session = await store.open("apply", { timeoutMs: 0 });
    expect(session.current().serial).toBe(2);
    expect(session.current().pending.b?.requestId).toBe("req-b");
    expect(session.current().orders.b).toBeUndefined();
    await session.release();
    expect((await readdir(dir)).includes("orderform.state.json.journal")).toBe(false);
    const history = await store.listHistory();
    expect(history.map((h) => h.command)).toEqual(["apply", "recover"]);
    expect(history[1]?.summary).toContain("1 intent");
  });

  it("refuses a journal from another lineage", async () => {
    const store = await commitVersions(1);
    await writeFile(
      P + ".journal",
      `${renderJournalHeader(LINEAGE, 1)}${JSON.stringify({ type: "intent", intent: createIntent("b") })}\n`,
    );
    expect((await catchError(store.open("apply", { timeoutMs: 0 }))).code).toBe("state.lineage-mismatch");
  });
});

describe("local state store: locks and crash recovery", () => {
  it("takes over a lock held by a killed process on this host, recovers its journal and records the takeover", async () => {
    // A real process stands in for the run; the session writes its lock and journal with the child's pid.
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const childPid = child.pid ?? 0;
    const crashed = createStore({ pid: childPid, host: hostname() });
    const killed = await crashed.open("apply", { timeoutMs: 0 });
    await killed.append({ type: "intent", intent: createIntent("a") });
    await killed.append({ type: "created", order: createOrder("a") });
    await killed.append({ type: "intent", intent: createIntent("b") });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const notices: string[] = [];
    const store = createStore({ host: hostname(), notify: (text) => notices.push(text) });
    const session = await store.open("apply", { timeoutMs: 0 });
    expect(session.current().serial).toBe(1);
    expect(session.current().orders.a?.orderId).toBe("order-a");
    expect(session.current().pending.b?.requestId).toBe("req-b");
    expect(await readFile(`${P}.journal`, "utf8")).toBe("");
    expect(JSON.parse(await readFile(`${P}.lock`, "utf8")).id).toBe(session.lock.id);
    await session.release();
    expect(notices.join("")).toContain(
      `took over the state lock of alice@${hostname()} (pid ${childPid}, operation "apply"`,
    );
    expect(notices.join("")).toContain(`process ${childPid} is no longer running on ${hostname()}`);
    expect(notices.join("")).toContain("Recovered 3 journal record(s)");
    const [recovered] = await store.listHistory();
    expect(recovered?.command).toBe("lock takeover");
    expect(recovered?.summary).toContain(killed.lock.id);
    expect(recovered?.summary).toContain("2 intent, 1 created");
    expect((await readdir(dir)).filter((name) => name.includes(".lock"))).toEqual([]);
  });

  it("a second session waits, then fails naming the holder", async () => {
    const store = createStore();
    const holder = await store.open("apply", { timeoutMs: 0 });
    const error = await catchError(store.open("plan", { timeoutMs: 120 }));
    expect(error.code).toBe("state.locked");
    for (const part of [
      "alice@build-host",
      `pid ${process.pid}`,
      'operation "apply"',
      holder.lock.started,
      holder.lock.id,
    ]) {
      expect(error.message).toContain(part);
    }
    await holder.release();
  });

  it("a waiting session gets the lock once the holder releases it", async () => {
    const store = createStore();
    const holder = await store.open("apply", { timeoutMs: 0 });
    const waiting = store.open("apply", { timeoutMs: 10_000 });
    setTimeout(() => void holder.release(), 50);
    const second = await waiting;
    expect(second.lock.id).not.toBe(holder.lock.id);
    expect(JSON.parse(await readFile(`${P}.lock`, "utf8")).id).toBe(second.lock.id);
    await second.release();
  });

  it("stops waiting when aborted", async () => {
    const store = createStore();
    const holder = await store.open("apply", { timeoutMs: 0 });
    const controller = new AbortController();
    const waiting = store.open("apply", { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect((await catchError(waiting)).code).toBe("state.lock-aborted");
    await holder.release();
  });

  it("release removes only its own lock", async () => {
    const store = createStore();
    const session = await store.open("apply", { timeoutMs: 0 });
    const other = JSON.stringify({ ...session.lock, id: "someone-else" });
    await writeFile(`${P}.lock`, other);
    await session.release();
    expect(await readFile(`${P}.lock`, "utf8")).toBe(other);
    expect((await catchError(session.append({ type: "forget", name: "a" }))).code).toBe(
      "state.session-closed",
    );
  });

  it("force-unlock without a lock says there is none", async () => {
    expect((await catchError(createStore().forceUnlock("x"))).code).toBe("state.lock-not-found");
  });
});

describe("local state store: history", () => {
  it("lists every version with who, when, command, git commit and summary, and reads each back", async () => {
    const store = createStore();
    const commands = ["apply", "apply", "state rm o0"];
    const entries = [
      { type: "created" as const, order: createOrder("o0") },
      { type: "created" as const, order: createOrder("o1") },
      { type: "forget" as const, name: "o0" },
    ];
    for (const [i, command] of commands.entries()) {
      const session = await store.open(command, { timeoutMs: 0 });
      await session.append(entries[i] ?? { type: "forget", name: "none" });
      await session.commit({ command, summary: `step ${i}` });
      await session.release();
    }
    const history = await store.listHistory();
    expect(history.map((h) => [h.serial, h.command, h.summary])).toEqual([
      [1, "apply", "step 0"],
      [2, "apply", "step 1"],
      [3, "state rm o0", "step 2"],
    ]);
    const lineage = (await store.read())?.lineage;
    for (const h of history) {
      expect(h).toMatchObject({
        lineage,
        user: "alice",
        host: "build-host",
        gitCommit: "0123456789abcdef0123456789abcdef01234567",
      });
      expect(Date.parse(h.time)).not.toBeNaN();
    }
    expect(Object.keys((await store.readVersion(2)).orders).sort()).toEqual(["o0", "o1"]);
    expect(Object.keys((await store.readVersion(3)).orders)).toEqual(["o1"]);
    expect((await catchError(store.readVersion(9))).code).toBe("state.version-not-found");
  });

  it("omits gitCommit outside a git repository and reads HEAD inside one", async () => {
    expect(await readGitHead(dir)).toBeUndefined();
    const store = createStore({ readGitCommit: () => readGitHead(dir) });
    const session = await store.open("apply", { timeoutMs: 0 });
    await session.append({ type: "created", order: createOrder("a") });
    await session.commit({ command: "apply", summary: "1 created" });
    await session.release();
    const [entry] = await store.listHistory();
    expect(entry).toBeDefined();
    expect(entry && "gitCommit" in entry).toBe(false);
    expect(await readGitHead(process.cwd())).toMatch(/^[0-9a-f]{40}$/);
  });
});
