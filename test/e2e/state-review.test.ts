/**
 * Review of the local state's safety features end to end (docs/state.md): the built CLI against a
 * real sandbox over loopback.
 */
import { copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
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

function expectCleanError(result: RunResult, code: string): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(`[${code}]`);
  expect(result.stderr).toMatch(/^Error: /m);
  expect(result.stderr).not.toContain("internal error");
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe("review: history files added by hand", () => {
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
