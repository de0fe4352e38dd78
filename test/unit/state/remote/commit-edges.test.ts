/**
 * Azure Blob commits cut short, against a real Azurite: a `state migrate` killed between a history
 * version and the snapshot can be run again, and a commit whose snapshot was written but whose
 * journal could not be emptied says exactly that.
 */
import { randomUUID } from "node:crypto";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateFile } from "../../../../src/core/model.js";
import { createEmptyState } from "../../../../src/core/state-journal.js";
import { renderHistoryFile } from "../../../../src/state/history.js";
import type { AzblobStateConfig } from "../../../../src/config/types.js";
import {
  createAzblobContainerClient,
  renderAzblobDescription,
} from "../../../../src/state/remote/azblob-client.js";
import { createAzblobDriver } from "../../../../src/state/remote/azblob-driver.js";
import { createHistoryMetadata } from "../../../../src/state/remote/azblob-layout.js";
import { createRemoteStateStore } from "../../../../src/state/remote/remote-store.js";
import type { RemoteStateDriver } from "../../../../src/state/remote/driver.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from "../../../support/azurite-server.mjs";
import type { RunningAzurite } from "../../../support/azurite-server.mjs";
import { createOrder } from "../fixtures.js";
import { createMeta } from "./driver-contract.js";

let azurite: RunningAzurite;
let containerClient: ContainerClient;
let containerUrl: string;
const container = `review-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  azurite = await startAzurite();
  containerUrl = `${azurite.accountUrl}/${container}`;
  const service = new BlobServiceClient(
    azurite.accountUrl,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  containerClient = service.getContainerClient(container);
  await containerClient.create();
});

afterAll(async () => {
  await azurite?.stop();
});

function createDriver(name: string): RemoteStateDriver {
  const config: AzblobStateConfig = {
    backend: "azblob",
    url: containerUrl,
    name,
    auth: { mode: "shared-key", accountName: AZURITE_ACCOUNT, accountKeyEnv: "KEY" },
    leaseSeconds: 15,
  };
  return createAzblobDriver({
    containerClient: createAzblobContainerClient(config, { accountKey: AZURITE_KEY }),
    description: renderAzblobDescription(config),
    name,
    leaseSeconds: 15,
  });
}

function createStore(driver: RemoteStateDriver) {
  return createRemoteStateStore({ driver, readGitCommit: () => Promise.resolve(undefined) });
}

describe("azblob commits cut short", () => {
  it("a state migrate killed after a history version and before the snapshot can be run again", async () => {
    const name = `mig-${randomUUID().slice(0, 8)}`;
    const driver = createDriver(name);
    const lineage = randomUUID();
    const v1: StateFile = { ...createEmptyState(lineage), serial: 1 };
    const order = createOrder("contoso/seats");
    const v2: StateFile = { ...createEmptyState(lineage), serial: 2, orders: { [order.name]: order } };
    const versions = [
      { meta: createMeta(v1, "apply"), state: v1 },
      { meta: createMeta(v2, "apply"), state: v2 },
    ];
    // The first run copied version 1, wrote history version 2, and was killed before the snapshot
    // (the order azblob commits in: token check, history, snapshot, journal).
    await createStore(driver).importVersions(versions.slice(0, 1), 0);
    const text = renderHistoryFile(versions[1]!.meta, v2);
    await containerClient
      .getBlockBlobClient(`${name}/history/000002.json`)
      .upload(text, Buffer.byteLength(text), {
        metadata: createHistoryMetadata(versions[1]!.meta),
      });

    // Running the migrate again finishes the copy: the target ends at serial 2.
    await createStore(driver).importVersions(versions, 0);
    expect((await driver.readSnapshot())?.state.serial).toBe(2);
  });

  it("a commit whose snapshot was written but whose journal could not be emptied does not say that no version was written", async () => {
    const name = `cut-${randomUUID().slice(0, 8)}`;
    const driver = createDriver(name);
    const session = await createStore(driver).open("apply", { timeoutMs: 0 });
    await session.append({ type: "created", order: createOrder("contoso/seats") });
    // The journal's lease is broken: the commit's last step (re-creating the journal) fails.
    await containerClient.getAppendBlobClient(`${name}/journal.jsonl`).getBlobLeaseClient().breakLease(0);
    const error = (await session
      .commit({ command: "apply", summary: "one order" })
      .catch((e: unknown) => e)) as Error;
    await session.release().catch(() => undefined);
    const snapshot = await driver.readSnapshot();
    expect(snapshot?.state.serial).toBe(1);
    expect(Object.keys(snapshot?.state.orders ?? {})).toEqual(["contoso/seats"]);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain("was committed");
    expect(error.message).not.toContain("No state version was written");
  });
});
