/**
 * The state's safety end to end (docs/state.md): the built CLI against a real sandbox over
 * loopback. Integrity against history, exclusive history files, lock takeover and fencing, write
 * failures, damaged history files and history files added by hand. Every test checks the
 * sandbox's own record of orders.
 */
import { copyFile, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  LEGACY_OFFER,
  createOrderYaml,
  createTestProject,
  listSandboxOrders,
  resetSandbox,
  setSandboxFaults,
  writeStandardOrders,
  type RunResult,
  type TestProject,
} from "./helpers.js";

let sandbox: RunningSandbox;
let project: TestProject;

const STATE = "orderform.state.json";
const statePath = (suffix = "") => join(project.dir, `${STATE}${suffix}`);
const historyFile = (serial: number) =>
  join(project.dir, `${STATE}.history`, `${String(serial).padStart(6, "0")}.json`);
const countOrders = async () => (await listSandboxOrders(sandbox.url)).length;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  project = await createTestProject(sandbox.url);
  await writeStandardOrders(project);
});
afterEach(async () => {
  await setSandboxFaults(sandbox.url, {});
  await project.cleanup();
});

/** A fatal error as the entry point prints it: one line with the code, no stack trace. */
function expectCleanError(result: RunResult, code: string): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(`[${code}]`);
  expect(result.stderr).toMatch(/^Error: /m);
  expect(result.stderr).not.toContain("internal error");
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

/** Starts `apply --json --parallelism 1` with slow POSTs; resolves once its first intent is recorded. */
async function startSlowApply(latencyMs: number) {
  await setSandboxFaults(sandbox.url, {
    latency: { fixedMs: latencyMs, jitterMs: 0, route: { method: "POST", pathPattern: "/orders$" } },
  });
  const child = project.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
  const closed = new Promise<RunResult>((resolve) => child.on("close", () => resolve(child.output())));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", () => {
      if (child.output().stdout.includes('"order_started"')) resolve();
    });
    child.on("close", () =>
      reject(new Error(`apply ended before its first order: ${child.output().stderr}`)),
    );
  });
  return { child, closed };
}

async function readLockId(): Promise<string> {
  return (JSON.parse(await readFile(statePath(".lock"), "utf8")) as { id: string }).id;
}

describe("integrity against history", () => {
  it("refuses a state file rolled back to an older version, buys nothing, and accepts the restored newest one", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await project.writeOrder("more.yaml", createOrderYaml("contoso/legacy", CONTOSO, LEGACY_OFFER, 2));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect(await countOrders()).toBe(4);

    // Roll the state file back to version 1 (as a backup restore or a git revert would).
    const v1 = JSON.parse(await readFile(historyFile(1), "utf8")) as { state: unknown };
    await writeFile(statePath(), JSON.stringify(v1.state, null, 2));
    for (const args of [
      ["plan"],
      ["state", "list"],
      ["show"],
      ["apply", "--auto-approve"],
      ["state", "rm", "contoso/seats"],
    ]) {
      const refused = await project.run(args);
      expectCleanError(refused, "state.rolled-back");
      expect(refused.stderr).toContain("is at serial 1, but history's newest version is serial 2");
      expect(refused.stderr).toContain(`jq .state ${historyFile(2)} > ${statePath()}`);
    }
    expect(await countOrders()).toBe(4);

    // The remedy in the hint: the newest version's "state" member is a complete state file.
    const v2 = JSON.parse(await readFile(historyFile(2), "utf8")) as { state: unknown };
    await writeFile(statePath(), JSON.stringify(v2.state, null, 2));
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await countOrders()).toBe(4);
  });

  it("refuses a state file of another lineage than history's newest version", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const other = await createTestProject(sandbox.url);
    try {
      await other.writeOrder("x.yaml", createOrderYaml("contoso/other", CONTOSO, LEGACY_OFFER, 1));
      expect((await other.run(["apply", "--auto-approve"])).code).toBe(0);
      await copyFile(join(other.dir, STATE), statePath());
    } finally {
      await other.cleanup();
    }
    const plan = await project.run(["plan"]);
    expectCleanError(plan, "state.lineage-mismatch");
    const apply = await project.run(["apply", "--auto-approve"]);
    expectCleanError(apply, "state.lineage-mismatch");
    expect(await countOrders()).toBe(4);
  });

  it("never overwrites a history file: a version created meanwhile stops the commit, and the journal keeps the orders", async () => {
    const { closed } = await startSlowApply(800);
    // While the run buys, someone else puts a file where its first version would go.
    await mkdir(join(project.dir, `${STATE}.history`), { recursive: true });
    await writeFile(historyFile(1), "not orderform's\n");
    const result = await closed;
    expectCleanError(result, "state.history-exists");
    expect(result.stderr).toContain(historyFile(1));
    expect(await readFile(historyFile(1), "utf8")).toBe("not orderform's\n");
    expect(await countOrders()).toBe(3);

    // The foreign file is history's newest now, so every read refuses it until it is moved away.
    expectCleanError(await project.run(["plan"]), "state.corrupt");
    await rm(historyFile(1));
    const next = await project.run(["apply", "--auto-approve"]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain("No changes.");
    expect(await countOrders()).toBe(3);
  });
});

describe("lock takeover on this host", () => {
  it("takes over the lock of a SIGKILLed apply without force-unlock, recovers its journal, and records the takeover", async () => {
    const { child, closed } = await startSlowApply(1500);
    const killedLock = await readLockId();
    child.kill("SIGKILL");
    await closed;
    await setSandboxFaults(sandbox.url, {});

    // Two runs race for the dead holder's lock: at most one takes it over.
    const [a, b] = await Promise.all([
      project.run(["apply", "--auto-approve"]),
      project.run(["apply", "--auto-approve", "--lock-timeout", "30s"]),
    ]);
    const takeovers = [a, b].filter((r) => r.stderr.includes("took over the state lock"));
    expect(takeovers).toHaveLength(1);
    const taker = takeovers[0] as RunResult;
    expect(taker.stderr).toContain(`pid ${child.pid ?? 0}`);
    expect(taker.stderr).toContain(`lock id ${killedLock}`);
    expect(taker.stderr).toContain(`process ${child.pid ?? 0} is no longer running on ${hostname()}`);
    expect(taker.stderr).toMatch(/Recovered 1 journal record\(s\) left by that run/);
    let final = await project.run(["apply", "--auto-approve"]);
    for (let i = 0; i < 3 && final.code !== 0; i += 1) final = await project.run(["apply", "--auto-approve"]);
    expect(final.code, final.stderr).toBe(0);

    const orders = await listSandboxOrders(sandbox.url);
    expect(orders).toHaveLength(3);
    expect(new Set(orders.map((o) => o.requestId)).size).toBe(3);
    const history = JSON.parse((await project.run(["state", "history", "--json"])).stdout) as {
      command: string;
      summary: string;
    }[];
    const takeover = history.filter((h) => h.command === "lock takeover");
    expect(takeover).toHaveLength(1);
    expect(takeover[0]?.summary).toContain(killedLock);
    expect(takeover[0]?.summary).toContain("1 intent");
  });

  it("takes over a lock whose pid is alive but is another process (recycled pid), and records it even with no journal", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const lock = {
      id: "0a0a0a0a-0000-4000-8000-000000000001",
      owner: "someone",
      host: hostname(),
      pid: process.pid, // alive: this test process
      startTime: "linux:not-this-boot:1",
      started: "2026-01-01T00:00:00.000Z",
      operation: "apply",
    };
    await writeFile(statePath(".lock"), JSON.stringify(lock));
    const result = await project.run(["apply", "--auto-approve"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`took over the state lock of someone@${hostname()} (pid ${process.pid}`);
    expect(result.stderr).toContain(`process ${process.pid} on ${hostname()} is another process now`);
    expect(result.stderr).toContain("Recovered 0 journal record(s)");
    expect(await countOrders()).toBe(3);
    const history = (await project.run(["state", "history"])).stdout;
    expect(history).toMatch(
      /lock takeover: took over the state lock of someone@.*no journal records to recover/,
    );
  });

  it("waits for a live holder and reports the wait in whole milliseconds", async () => {
    // A holder on this host that is alive (this test process) with an unknown start time: never taken over.
    const lock = {
      id: "live",
      owner: "someone",
      host: hostname(),
      pid: process.pid,
      started: "x",
      operation: "apply",
    };
    await writeFile(statePath(".lock"), JSON.stringify(lock));
    const result = await project.run(["apply", "--auto-approve", "--lock-timeout", "150ms"]);
    expectCleanError(result, "state.locked");
    expect(result.stderr).toMatch(/waited \d+ ms/);
    expect(result.stderr).not.toMatch(/waited \d+\.\d/);
    expect(await countOrders()).toBe(0);
  });
});

describe("force-unlock and fencing", () => {
  it("refuses to remove a live holder's lock without --force; a forced-out run buys nothing more and says truly where its order went", async () => {
    // The first order's answer is held long enough for two CLI runs on a loaded machine: the forced
    // unlock must land while that order is in flight, before the apply could start another.
    const { closed } = await startSlowApply(6000);
    const lockId = await readLockId();
    const refused = await project.run(["force-unlock", lockId]);
    expectCleanError(refused, "state.lock-alive");
    expect(refused.stderr).toContain("is still running on");
    expect(await readLockId()).toBe(lockId);

    const forced = await project.run(["force-unlock", "--force", lockId]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("still running");
    const out = await closed;
    await setSandboxFaults(sandbox.url, {});

    // The order in flight was bought; its record went to the orphan journal; nothing else was started.
    expectCleanError(out, "state.lock-lost");
    const orphan = statePath(`.journal.orphan-${lockId}`);
    expect(out.stderr).toContain(`lost the state lock ${statePath(".lock")}`);
    expect(out.stderr).toContain("no longer exists");
    expect(out.stderr).toContain(
      `It was saved to ${orphan}, which the next run that takes the lock folds in.`,
    );
    expect(out.stderr).toContain("2 declared order(s) were not started");
    expect(await countOrders()).toBe(1);
    const saved = await readFile(orphan, "utf8");
    const [bought] = await listSandboxOrders(sandbox.url);
    expect(saved).toContain(bought?.order.id ?? "missing");

    // The next run folds the orphan in: the bought order is recorded, and only the other two are bought.
    const next = await project.run(["apply", "--auto-approve"]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain("Plan: 2 to create, 0 to resume, 1 unchanged.");
    expect(await countOrders()).toBe(3);
    expect((await readdir(project.dir)).filter((name) => name.includes("orphan"))).toEqual([]);
    const state = (await project.readState()) as { orders: Record<string, { orderId: string }> };
    expect(Object.values(state.orders).map((o) => o.orderId)).toContain(bought?.order.id);
  });
});

describe("write failures", () => {
  it("a journal that cannot be written (ENOSPC) stops the apply with state.write-failed before any order is sent", async () => {
    await symlink("/dev/full", statePath(".journal"));
    const result = await project.run(["apply", "--auto-approve"]);
    expectCleanError(result, "state.write-failed");
    expect(result.stderr).toContain(`Could not write ${statePath(".journal")}: ENOSPC`);
    expect(result.stderr).toMatch(
      /The intent to create \S+ was not recorded\. The order for \S+ is not sent\./,
    );
    expect(await countOrders()).toBe(0);
    expect((await readdir(project.dir)).includes(`${STATE}.lock`)).toBe(false);

    await rm(statePath(".journal"));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect(await countOrders()).toBe(3);
  });

  it("a history folder that cannot be created fails the commit cleanly, and the journal keeps every order for the next run", async () => {
    const { closed } = await startSlowApply(300);
    await writeFile(statePath(".history"), "a file where the history folder goes\n");
    const result = await closed;
    expectCleanError(result, "state.write-failed");
    expect(result.stderr).toContain(`Could not write ${statePath(".history")}`);
    expect(result.stderr).toContain(`the 6 record(s) to commit stay in ${statePath(".journal")}`);
    expect((await readdir(project.dir)).includes(`${STATE}.lock`)).toBe(false);
    expect(await countOrders()).toBe(3);

    await rm(statePath(".history"));
    const next = await project.run(["apply", "--auto-approve"]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain("No changes.");
    expect(await countOrders()).toBe(3);
  });
});

describe("state history with a damaged file", () => {
  it("marks the damaged file, lists the others, warns on stderr and exits 0", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0); // statuses refreshed: serial 2
    await project.writeOrder("more.yaml", createOrderYaml("contoso/legacy", CONTOSO, LEGACY_OFFER, 2));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await writeFile(historyFile(2), "{ damaged");

    const text = await project.run(["state", "history"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^1 .* apply: /m);
    expect(text.stdout).toMatch(/^2 +DAMAGED \(skipped\): .*000002\.json$/m);
    expect(text.stdout).toMatch(/^3 .* apply: /m);
    expect(text.stderr).toContain(`Warning: history file ${historyFile(2)} is damaged`);

    const json = await project.run(["state", "history", "--json"]);
    expect(json.code).toBe(0);
    const items = JSON.parse(json.stdout) as { serial: number; damaged?: boolean; file?: string }[];
    expect(items.map((i) => [i.serial, i.damaged === true])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(items[1]?.file).toBe(historyFile(2));
  });
});

describe("history files added by hand", () => {
  it("a history file copied by hand under a higher serial is not taken for a rollback whose restore remedy cannot work", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await copyFile(historyFile(1), historyFile(7)); // its meta and state say serial 1
    const first = await project.run(["plan"]);
    // `state history` already calls this file damaged ("its meta says serial 1"); the integrity
    // check must not call it the newest version and the state file "replaced by an older version".
    expect(first.stderr).not.toContain("[state.rolled-back]");
    expectCleanError(first, "state.corrupt");
    expect(first.stderr).toContain(historyFile(7));
    // Following the hint (move the file out of history) makes the state usable again.
    await rm(historyFile(7));
    const after = await project.run(["plan"]);
    expect(after.code, after.stderr).toBe(0);
    expect(await countOrders()).toBe(3);
  });

  it("the rolled-back hint's restore command, followed literally, does not loop when the newest file is not the version its name says", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await copyFile(historyFile(1), historyFile(7));
    const first = await project.run(["plan"]);
    const restore = /`(jq \.state [^`]+)`/.exec(first.stderr)?.[1];
    if (restore !== undefined) execFileSync("sh", ["-c", restore]);
    const again = await project.run(["plan"]);
    expect(again.stderr).not.toContain("[state.rolled-back]");
  });
});
