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
import { createAzblobContainerClient, renderAzblobDescription } from "../../../../src/state/remote/azblob-client.js";
import { createAzblobDriver } from "../../../../src/state/remote/azblob-driver.js";
import type { RemoteStateDriver } from "../../../../src/state/remote/driver.js";
import type { JournalEntry } from "../../../../src/state/types.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from "../../../support/azurite-server.js";
import type { RunningAzurite } from "../../../support/azurite-server.js";
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
  it("works with a SAS token (sp=racwl) and never shows it", async () => {
    const token = createSasToken("racwl");
    const driver = createSasDriver(`sas-${randomUUID().slice(0, 8)}`, token);
    const lock = await driver.acquireLock(createLockInfo(), { timeoutMs: 0 });
    const lineage = randomUUID();
    await lock.appendJournal(createEntry("a"), header(lineage));
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
    const error = (await driver.acquireLock(createLockInfo(), { timeoutMs: 0 }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: "state.backend-auth-failed" });
    expect(error.message).toContain(container);
    for (const text of [error.message, String((error as { hint?: string }).hint), String(error.cause)]) {
      expect(text).not.toContain(signature);
      expect(text).not.toContain("sig=");
    }
    expect((error as { hint?: string }).hint).toContain("racwl");
  });

  it("refuses a wrong account key without showing it", async () => {
    const wrongKey = Buffer.from("not the key of this account, 64 bytes long......................").toString("base64");
    const driver = createKeyDriver("wrong-key", wrongKey);
    const error = (await driver.readSnapshot().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: "state.backend-auth-failed" });
    expect(error.message).toContain(container);
    expect(JSON.stringify([error.message, String(error.cause), (error as { hint?: string }).hint])).not.toContain(wrongKey);
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
