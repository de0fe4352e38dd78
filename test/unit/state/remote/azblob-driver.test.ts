/**
 * The azblob driver against a real Azurite (no mocks): the shared contract, then what is specific
 * to Azure: SAS and shared-key auth failures, a missing container, a dead endpoint, a SIGKILLed
 * holder, and the cost of appends and commits.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateFile } from "../../../../src/core/model.js";
import { createEmptyState } from "../../../../src/core/state-journal.js";
import type { AzblobStateConfig } from "../../../../src/config/types.js";
import {
  createAzblobContainerClient,
  renderAzblobDescription,
} from "../../../../src/state/remote/azblob-client.js";
import { createAzblobDriver } from "../../../../src/state/remote/azblob-driver.js";
import type { RemoteStateDriver } from "../../../../src/state/remote/driver.js";
import type { JournalEntry } from "../../../../src/state/types.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from "../../../support/azurite-server.mjs";
import type { RunningAzurite } from "../../../support/azurite-server.mjs";
import { createOrder } from "../fixtures.js";
import { createLockInfo, createMeta, describeDriverContract } from "./driver-contract.js";

// Azure's shortest finite lease; Azurite refuses shorter ones as the service does.
const LEASE_SECONDS = 15;

let azurite: RunningAzurite;
let containerUrl: string;
const container = `orderform-${randomUUID().slice(0, 8)}`;

function createConfig(name: string, auth: AzblobStateConfig["auth"], url = containerUrl): AzblobStateConfig {
  return { backend: "azblob", url, name, auth, leaseSeconds: LEASE_SECONDS };
}

const SHARED_KEY = { mode: "shared-key", accountName: AZURITE_ACCOUNT, accountKeyEnv: "KEY" } as const;

function createDriver(config: AzblobStateConfig, containerClient: ContainerClient): RemoteStateDriver {
  return createAzblobDriver({
    containerClient,
    description: renderAzblobDescription(config),
    name: config.name,
    leaseSeconds: config.leaseSeconds,
  });
}

function createKeyDriver(name: string, key = AZURITE_KEY, url = containerUrl): RemoteStateDriver {
  const config = createConfig(name, SHARED_KEY, url);
  return createDriver(config, createAzblobContainerClient(config, { accountKey: key }));
}

function createSasToken(permissions: string): string {
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  return generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    credential,
  ).toString();
}

function createSasDriver(name: string, token: string): RemoteStateDriver {
  const config = createConfig(name, { mode: "sas", sasTokenEnv: "SAS" });
  return createDriver(config, createAzblobContainerClient(config, { sasToken: token }));
}

function createEntry(name: string): JournalEntry {
  const order = createOrder(name);
  return { type: "created", order };
}

const header = (lineage: string) => ({ orderformJournal: 1 as const, lineage, baseSerial: 0 });

beforeAll(async () => {
  azurite = await startAzurite();
  containerUrl = `${azurite.accountUrl}/${container}`;
  const service = new BlobServiceClient(
    azurite.accountUrl,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  await service.getContainerClient(container).create();
});

afterAll(async () => {
  await azurite?.stop();
});

describeDriverContract("azblob", (name) => Promise.resolve(createKeyDriver(name)), {
  leaseMs: LEASE_SECONDS * 1000,
});

describe("azblob: authentication and reachability", () => {
  it("works with a SAS token with read, write and list (sp=rwl) and never shows it", async () => {
    const token = createSasToken("rwl");
    const driver = createSasDriver(`sas-${randomUUID().slice(0, 8)}`, token);
    const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
    const lineage = randomUUID();
    await lock.appendJournal([createEntry("a")], header(lineage));
    const state: StateFile = { ...createEmptyState(lineage), serial: 1 };
    const token1 = await lock.commit(state, createMeta(state), null);
    expect(await driver.readSnapshot()).toEqual({ state, token: token1 });
    expect((await driver.readHistoryListing()).entries.map((e) => e.serial)).toEqual([1]);
    await lock.release();
    expect(driver.description).not.toContain("sig=");
  });

  it("says clearly that a SAS without write permission cannot take the lock", async () => {
    const token = createSasToken("rl");
    const signature = new URLSearchParams(token).get("sig") ?? "";
    const driver = createSasDriver(`sasro-${randomUUID().slice(0, 8)}`, token);
    expect(await driver.readSnapshot()).toBeNull();
    const error = (await driver
      .acquireLock(createLockInfo(), { timeoutMs: 0 })
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: "state.backend-auth-failed" });
    expect(error.message).toContain(container);
    for (const text of [error.message, String((error as { hint?: string }).hint), String(error.cause)]) {
      expect(text).not.toContain(signature);
      expect(text).not.toContain("sig=");
    }
    expect((error as { hint?: string }).hint).toContain("sp=rwl");
  });

  it("refuses a wrong account key without showing it", async () => {
    const wrongKey = Buffer.from("not the key of this account, 64 bytes long......................").toString(
      "base64",
    );
    const driver = createKeyDriver("wrong-key", wrongKey);
    const error = (await driver.readSnapshot().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: "state.backend-auth-failed" });
    expect(error.message).toContain(container);
    expect(
      JSON.stringify([error.message, String(error.cause), (error as { hint?: string }).hint]),
    ).not.toContain(wrongKey);
  });

  it("says the container is missing and does not create it", async () => {
    const url = `${azurite.accountUrl}/missing-${randomUUID().slice(0, 8)}`;
    const driver = createKeyDriver("prod", AZURITE_KEY, url);
    await expect(driver.acquireLock(createLockInfo(), { timeoutMs: 0 })).rejects.toMatchObject({
      code: "state.backend-missing",
      message: expect.stringContaining(url) as unknown as string,
    });
    await expect(driver.readSnapshot()).rejects.toMatchObject({ code: "state.backend-missing" });
  });

  it("fails within seconds when nothing listens at the endpoint", async () => {
    const driver = createKeyDriver("prod", AZURITE_KEY, `http://127.0.0.1:1/${AZURITE_ACCOUNT}/${container}`);
    const started = Date.now();
    await expect(driver.readSnapshot()).rejects.toMatchObject({ code: "state.backend-unreachable" });
    await expect(driver.acquireLock(createLockInfo(), { timeoutMs: 0 })).rejects.toMatchObject({
      code: "state.backend-unreachable",
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("azblob: the lock", () => {
  const DIST = resolve("dist/state/remote/azblob-driver.js");
  const DIST_CLIENT = resolve("dist/state/remote/azblob-client.js");

  it.runIf(existsSync(DIST))(
    "frees the lock of a SIGKILLed holder within the lease, keeping its acknowledged record",
    async () => {
      const name = `kill-${randomUUID().slice(0, 8)}`;
      const lockId = randomUUID();
      const child = spawn(process.execPath, [resolve("test/fixtures/azblob-holder.mjs")], {
        env: {
          ...process.env,
          DRIVER_URL: pathToFileURL(DIST).href,
          CLIENT_URL: pathToFileURL(DIST_CLIENT).href,
          CONTAINER_URL: containerUrl,
          ACCOUNT: AZURITE_ACCOUNT,
          KEY: AZURITE_KEY,
          STATE_NAME: name,
          LOCK_ID: lockId,
          LINEAGE: randomUUID(),
          ENTRY: JSON.stringify(createEntry("placed")),
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise((done) => child.once("exit", done));
      await new Promise<void>((done) => {
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes(`locked ${lockId}`)) done();
        });
      });
      child.kill("SIGKILL");
      await exited;
      const driver = createKeyDriver(name);
      expect((await driver.readLockHolder())?.info.id).toBe(lockId);
      await expect(driver.acquireLock(createLockInfo(), { timeoutMs: 0 })).rejects.toMatchObject({
        code: "state.locked",
        message: expect.stringContaining(lockId) as unknown as string,
      });
      const started = Date.now();
      const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 3 * LEASE_SECONDS * 1000 });
      expect(Date.now() - started).toBeLessThan((LEASE_SECONDS + 5) * 1000);
      const journal = await driver.readJournal();
      expect(journal.entries.map((e) => (e.type === "created" ? e.order.name : ""))).toEqual(["placed"]);
      await lock.release();
    },
    60_000,
  );

  it("fences a broken holder even when no one takes the lock after it", async () => {
    const driver = createKeyDriver(`break-${randomUUID().slice(0, 8)}`);
    const info = createLockInfo();
    const lock = await driver.acquireLock(info, { timeoutMs: 0 });
    const lineage = randomUUID();
    await lock.appendJournal([createEntry("a")], header(lineage));
    expect((await driver.readLockHolder())?.info.id).toBe(info.id);
    expect(await driver.breakLock(info.id)).toEqual(info);
    expect(await driver.readLockHolder()).toBeNull();
    await expect(lock.appendJournal([createEntry("b")], undefined)).rejects.toMatchObject({
      code: "state.lock-lost",
    });
    const state: StateFile = { ...createEmptyState(lineage), serial: 1 };
    await expect(lock.commit(state, createMeta(state), null)).rejects.toMatchObject({
      code: "state.lock-lost",
    });
    expect(lock.lost).toBeDefined();
    await lock.release();
    expect((await driver.readJournal()).entries).toHaveLength(1);
    expect(await driver.readSnapshot()).toBeNull();
    expect((await driver.readHistoryListing()).entries).toEqual([]);
    await expect(driver.breakLock(info.id)).rejects.toMatchObject({ code: "state.lock-not-found" });
  });

  it("does not double a record whose append reached the service but whose answer was lost", async () => {
    const name = `retry-${randomUUID().slice(0, 8)}`;
    const driver = createKeyDriver(name);
    const info = createLockInfo();
    const lock = await driver.acquireLock(info, { timeoutMs: 0 });
    await lock.appendJournal([createEntry("a")], header(randomUUID()));
    // What the SDK's retry meets when its first try landed: the same bytes, already there.
    const journal = new BlobServiceClient(
      azurite.accountUrl,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    )
      .getContainerClient(container)
      .getAppendBlobClient(`${name}/journal.jsonl`);
    const entry = createEntry("b");
    const line = `${JSON.stringify(entry)}\n`;
    await journal.appendBlock(line, Buffer.byteLength(line), { conditions: { leaseId: info.id } });
    await lock.appendJournal([entry], undefined);
    const names = async () =>
      (await driver.readJournal()).entries.map((e) => (e.type === "created" ? e.order.name : ""));
    expect(await names()).toEqual(["a", "b"]);
    // Other bytes at that position: the journal changed under this run; nothing is appended.
    const other = `${JSON.stringify(createEntry("intruder"))}\n`;
    await journal.appendBlock(other, Buffer.byteLength(other), { conditions: { leaseId: info.id } });
    await expect(lock.appendJournal([createEntry("c")], undefined)).rejects.toMatchObject({
      code: "state.write-failed",
    });
    expect(await names()).toEqual(["a", "b", "intruder"]);
    await lock.release();
  });

  it("leaves the previous snapshot and the journal when the history version exists already", async () => {
    const name = `hist-${randomUUID().slice(0, 8)}`;
    const driver = createKeyDriver(name);
    const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
    const lineage = randomUUID();
    const one: StateFile = { ...createEmptyState(lineage), serial: 1 };
    const token = await lock.commit(one, createMeta(one), null);
    await lock.appendJournal([createEntry("a")], { ...header(lineage), baseSerial: 1 });
    // As left by a commit interrupted after its history version: version 2 exists, the snapshot is 1.
    const stray = new BlobServiceClient(
      azurite.accountUrl,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    )
      .getContainerClient(container)
      .getBlockBlobClient(`${name}/history/000002.json`);
    await stray.upload("{}", 2);
    const two: StateFile = { ...one, serial: 2 };
    await expect(lock.commit(two, createMeta(two), token)).rejects.toMatchObject({
      code: "state.history-exists",
    });
    expect(await driver.readSnapshot()).toEqual({ state: one, token });
    expect((await driver.readJournal()).entries).toHaveLength(1);
    expect((await driver.readHistoryListing()).damaged.map((d) => d.serial)).toEqual([2]);
    const three: StateFile = { ...one, serial: 3 };
    await lock.commit(three, createMeta(three), token);
    expect((await driver.readHistoryListing()).entries.map((e) => e.serial)).toEqual([1, 3]);
    await lock.release();
  });

  it("keeps the snapshot's token across lock and unlock (only commits move it)", async () => {
    const driver = createKeyDriver(`token-${randomUUID().slice(0, 8)}`);
    const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
    expect(await driver.readSnapshot()).toBeNull();
    const state: StateFile = { ...createEmptyState(randomUUID()), serial: 1 };
    const token = await lock.commit(state, createMeta(state), null);
    await lock.release();
    expect((await driver.readSnapshot())?.token).toBe(token);
    const again = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
    const next: StateFile = { ...state, serial: 2 };
    expect(await again.commit(next, createMeta(next), token)).not.toBe(token);
    await again.release();
  });
});

describe("azblob: cost", () => {
  it("appends in one round trip whatever the state's size, and commits 20,000 orders quickly", async () => {
    const driver = createKeyDriver(`perf-${randomUUID().slice(0, 8)}`);
    const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
    const lineage = randomUUID();
    const timings: Record<string, number> = {};
    for (const count of [100, 20_000]) {
      const orders = Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`o${i}`, createOrder(`o${i}`)] as const),
      );
      const state: StateFile = { ...createEmptyState(lineage), serial: count === 100 ? 1 : 2, orders };
      let started = performance.now();
      await lock.appendJournal([createEntry(`first-${count}`)], {
        ...header(lineage),
        baseSerial: state.serial - 1,
      });
      for (let i = 0; i < 20; i += 1) await lock.appendJournal([createEntry(`r${i}`)], undefined);
      timings[`append (state of ${count})`] = (performance.now() - started) / 21;
      const token = (await driver.readSnapshot())?.token ?? null;
      started = performance.now();
      await lock.commit(state, createMeta(state), token);
      timings[`commit ${count} orders`] = performance.now() - started;
    }
    await lock.release();
    console.log(
      Object.entries(timings)
        .map(([label, ms]) => `${label}: ${ms.toFixed(1)} ms`)
        .join("; "),
    );
    expect(timings["commit 20000 orders"]).toBeLessThan(2000);
  }, 60_000);
});
