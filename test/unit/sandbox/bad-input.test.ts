import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox } from "../../../src/sandbox/index.js";
import type { RunningSandbox } from "../../../src/sandbox/index.js";
import { CONTOSO, startTestSandbox } from "./helpers.js";
import type { TestSandbox } from "./helpers.js";

const dirs: string[] = [];
const open: (TestSandbox | RunningSandbox)[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function createDataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "orderform-sandbox-bad-"));
  dirs.push(dir);
  return join(dir, "store.json");
}

async function start(dataFile?: string, port = 0): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ port, dataFile });
  open.push(sandbox);
  return sandbox;
}

describe("request bodies over the limit", () => {
  it("answer 413 in Partner Center's error shape, and the sandbox goes on serving", async () => {
    const s = await startTestSandbox();
    open.push(s);
    const response = await fetch(`${s.url}/v1/customers/${CONTOSO}/orders`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}`, "Content-Type": "application/json" },
      body: "x".repeat((1 << 20) + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      code: "413",
      description: "Request body too large: at most 1048576 bytes are accepted.",
      data: [],
      source: "PartnerFD",
    });
    expect((await s.admin("GET", "/_sandbox/health")).status).toBe(200);
    const stats = await s.admin("GET", "/_sandbox/stats");
    expect(stats.body.routes).toMatchObject({ "body-too-large": { "413": 1 } });
  });

  it("a body at the limit is read", async () => {
    const s = await startTestSandbox();
    open.push(s);
    const reply = await s.call("POST", `/v1/customers/${CONTOSO}/orders`, " ".repeat(1 << 20));
    expect(reply.status).toBe(400);
  });
});

describe("the data file's lock", () => {
  it("refuses a second sandbox on the same file, naming the holder; released on close", async () => {
    const dataFile = createDataFile();
    const first = await start(dataFile);
    const lock = JSON.parse(readFileSync(`${dataFile}.lock`, "utf8")) as { pid: number; host: string };
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(startSandbox({ port: 0, dataFile })).rejects.toMatchObject({
      code: "sandbox.data-locked",
      message: expect.stringContaining(`in use by process ${process.pid} on ${hostname()}`),
    });
    await first.close();
    open.splice(0);
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
    await start(dataFile);
  });

  it("takes over a lock left by a dead process on this host", async () => {
    const dataFile = createDataFile();
    const dead = spawnSync("true").pid;
    writeFileSync(`${dataFile}.lock`, JSON.stringify({ pid: dead, host: hostname(), since: "then" }));
    await start(dataFile);
    expect(JSON.parse(readFileSync(`${dataFile}.lock`, "utf8"))).toMatchObject({ pid: process.pid });
  });

  it("refuses a lock held on another host, or one naming no holder", async () => {
    const dataFile = createDataFile();
    writeFileSync(`${dataFile}.lock`, JSON.stringify({ pid: 1, host: "elsewhere", since: "then" }));
    await expect(startSandbox({ port: 0, dataFile })).rejects.toMatchObject({
      code: "sandbox.data-locked",
      message: expect.stringContaining("process 1 on elsewhere"),
    });
    writeFileSync(`${dataFile}.lock`, "");
    await expect(startSandbox({ port: 0, dataFile })).rejects.toMatchObject({
      code: "sandbox.data-locked",
      hint: expect.stringContaining(`delete ${dataFile}.lock`),
    });
  });
});

describe("bad data files", () => {
  it("a missing folder", async () => {
    const dataFile = join(createDataFile(), "..", "missing", "store.json");
    await expect(startSandbox({ port: 0, dataFile })).rejects.toMatchObject({
      code: "sandbox.data-folder-missing",
    });
  });

  it("a folder", async () => {
    const dataFile = createDataFile();
    mkdirSync(dataFile);
    await expect(startSandbox({ port: 0, dataFile })).rejects.toMatchObject({
      code: "sandbox.data-unreadable",
    });
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
  });

  it.each([
    ["not JSON", "{ not json"],
    ["an orderform state file", JSON.stringify({ version: 1, lineage: "x", serial: 3, orders: {} })],
    ["a list", "[]"],
  ])("%s is refused and left as it is", async (_label, text) => {
    const dataFile = createDataFile();
    writeFileSync(dataFile, text);
    await expect(startSandbox({ port: 0, dataFile })).rejects.toMatchObject({
      code: "sandbox.not-a-data-file",
    });
    expect(readFileSync(dataFile, "utf8")).toBe(text);
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
  });

  it("an empty file is an empty store", async () => {
    const dataFile = createDataFile();
    writeFileSync(dataFile, "");
    await start(dataFile);
  });
});

describe("ports", () => {
  it("a port in use is named, and the data file's lock is released", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    const dataFile = createDataFile();
    try {
      await expect(startSandbox({ port, dataFile })).rejects.toMatchObject({
        code: "sandbox.port-in-use",
        message: `cannot listen on 127.0.0.1:${port}: the port is in use`,
      });
    } finally {
      blocker.close();
    }
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
  });

  it.each([-1, 65_536, 1.5])("port %s is out of range", async (port) => {
    await expect(startSandbox({ port })).rejects.toMatchObject({ code: "sandbox.invalid-port" });
  });
});
