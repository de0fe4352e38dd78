/**
 * plan reads state on a worker thread (src/state/state-worker.ts); a state it cannot read stops it
 * with the error `state list` gives, read on the main thread: the same code, message and hint on
 * stderr (and the same JSON document with --json), exit code 1, nothing sent to Partner Center.
 * The built CLI against a real sandbox over loopback.
 */
import { readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fetchJson, useSandboxProject, writeStandardOrders, type RunResult } from "./helpers.js";

const env = useSandboxProject();

const statePath = (): string => join(env.project.dir, "orderform.state.json");

/** Requests the sandbox answered since its last reset. */
async function countRequests(): Promise<number> {
  return (await fetchJson<{ total: number }>(`${env.sandbox.url}/_sandbox/stats`)).total;
}

/** plan and `state list`, with `flags`: plan's result once it is known to be state list's. */
async function runBoth(flags: string[] = []): Promise<RunResult> {
  const before = await countRequests();
  const plan = await env.project.run(["plan", ...flags]);
  expect(await countRequests()).toBe(before);
  const list = await env.project.run(["state", "list", ...flags]);
  expect(plan).toEqual(list);
  expect(plan.code).toBe(1);
  return plan;
}

/** The standard orders applied twice (serials 1 and 2 in history), then `damage` done to the state file. */
async function applyThenDamage(damage: (path: string) => Promise<void>): Promise<void> {
  await writeStandardOrders(env.project);
  expect((await env.project.run(["apply", "--auto-approve"])).code).toBe(0);
  await env.project.removeOrder("tailspin.yaml");
  expect((await env.project.run(["apply", "--auto-approve"])).code).toBe(0);
  await damage(statePath());
}

describe("plan on a state it cannot read: state list's error, exit 1", () => {
  it("a truncated state file: state.corrupt, with the hint to the last good version", async () => {
    await applyThenDamage(async (path) => truncate(path, 40));
    const { stderr, stdout } = await runBoth();
    expect(stdout).toBe("");
    const [error, hint, ...rest] = stderr.split("\n");
    expect(error).toMatch(/^Error: .*orderform\.state\.json.*\[state\.corrupt\]$/);
    expect(hint).toContain(join("orderform.state.json.history", "000002.json"));
    expect(rest).toEqual([""]);
  });

  it("the same JSON document on stdout with --json", async () => {
    await applyThenDamage(async (path) => writeFile(path, "{ not json"));
    const { stdout } = await runBoth(["--json"]);
    const document = JSON.parse(stdout) as { diagnostics: { code: string; hint?: string }[] };
    expect(document.diagnostics.map((d) => d.code)).toEqual(["state.corrupt"]);
    expect(document.diagnostics[0]?.hint).toContain("000002.json");
  });

  it("a record under another name: state.corrupt", async () => {
    await writeStandardOrders(env.project);
    expect((await env.project.run(["apply", "--auto-approve"])).code).toBe(0);
    const state = JSON.parse(await readFile(statePath(), "utf8")) as { orders: Record<string, unknown> };
    state.orders["renamed/by-hand"] = state.orders["contoso/seats"];
    await writeFile(statePath(), JSON.stringify(state));
    const { stderr } = await runBoth();
    expect(stderr).toContain("[state.corrupt]");
  });

  it("a state of an unknown format version: state.unknown-version", async () => {
    await applyThenDamage(async (path) => {
      const state = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      await writeFile(path, JSON.stringify({ ...state, version: 99 }));
    });
    const { stderr } = await runBoth();
    expect(stderr).toContain("[state.unknown-version]");
  });
});
