/**
 * readStateOnWorker (src/state/state-worker.ts) against StateStore.read() on this thread for the
 * remote backends (docs/backends.md), each against a real server: Azurite, and PostgreSQL started
 * from the machine's binaries. On the worker the backend's client is loaded by a dynamic import
 * (src/state/read-state-worker.ts), and its errors come back as code, message and hint.
 *
 * PostgreSQL tests are skipped, saying how to get the server, when its binaries are missing, except
 * under CI, where a missing server fails them.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import type { LoadedConfig, StateConfig } from "../../../src/config/types.js";
import { createEmptyState, foldJournal } from "../../../src/core/state-journal.js";
import { openConfiguredStateStore } from "../../../src/state/open-store.js";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  startAzurite,
  type RunningAzurite,
} from "../../support/azurite-server.mjs";
import { createMeta } from "./remote/driver-contract.js";
import { usePostgres, postgresAvailable } from "./remote/pg-test-server.js";
import { createEntries, expectEverySection, readBoth, readBothErrors } from "./state-worker-harness.js";

/** More than twice the worker's batch (BATCH_RECORDS, 1,000 records): several batches are posted. */
const MANY_ORDERS = 2_500;
const CONTAINER = `orderform-${randomUUID().slice(0, 8)}`;

let azurite: RunningAzurite | undefined;
let rootDir: string;
const postgres = usePostgres();

beforeAll(async () => {
  rootDir = await mkdtemp(join(tmpdir(), "orderform-state-worker-remote-"));
  azurite = await startAzurite();
  const service = new BlobServiceClient(
    azurite.accountUrl,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  await service.getContainerClient(CONTAINER).create();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
  await rm(rootDir, { recursive: true, force: true });
});

type Backend = "azblob" | "pg";

/** The environment the config's secrets come from: the account key and the connection string. */
function createEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEST_STORAGE_KEY: AZURITE_KEY,
    ...(postgresAvailable ? { TEST_PG_URL: postgres.current().url } : {}),
  };
}

/** A config naming a fresh, empty state of `backend`. */
function createLoaded(backend: Backend): LoadedConfig {
  const place = randomUUID().slice(0, 8);
  const state: StateConfig =
    backend === "azblob"
      ? {
          backend: "azblob",
          url: `${azurite?.accountUrl ?? ""}/${CONTAINER}`,
          name: `s-${place}`,
          auth: { mode: "shared-key", accountName: AZURITE_ACCOUNT, accountKeyEnv: "TEST_STORAGE_KEY" },
          leaseSeconds: 15,
        }
      : {
          backend: "pg",
          connectionStringEnv: "TEST_PG_URL",
          schema: `s_${place}`,
          name: "prod",
          lockTtlSeconds: 15,
        };
  return { config: { ...createDefaultConfig(), state }, filepath: null, rootDir };
}

const BACKENDS: Backend[] = postgresAvailable ? ["azblob", "pg"] : ["azblob"];

describe.each(BACKENDS)("readStateOnWorker, %s: what read() returns", (backend) => {
  it("no state: null", async () => {
    const { outcome, kinds } = await readBoth(createLoaded(backend), createEnv());
    expect(outcome).toEqual({ state: null });
    expect(kinds).toEqual(["head", "done"]);
  });

  it(`a state of ${MANY_ORDERS} orders and every other section, in batches; then a journal left behind`, async () => {
    const loaded = createLoaded(backend);
    const store = await openConfiguredStateStore(loaded, { env: createEnv() });
    // Copied in as `state migrate` does: a session would append the records one request each.
    const copied = {
      ...foldJournal(createEmptyState(randomUUID()), createEntries(MANY_ORDERS, "team")),
      serial: 1,
    };
    expect(await store.importVersions([{ meta: createMeta(copied), state: copied }], 0)).toBe(1);

    const committed = await readBoth(loaded, createEnv());
    expect(committed.kinds).toEqual(["head", "orders", "orders", "orders", "done"]);
    if (!("state" in committed.outcome) || committed.outcome.state === null) throw new Error("no state");
    expectEverySection(committed.outcome.state, MANY_ORDERS, "team");

    // A run that appended and did not commit: read() folds its journal in, on either thread.
    const unfinished = await store.open("apply", { timeoutMs: 0 });
    await unfinished.appendAll(createEntries(10, "late"));
    await unfinished.release();
    const { outcome, notices } = await readBoth(loaded, createEnv());
    const state = "state" in outcome ? outcome.state : null;
    expect(Object.keys(state?.orders ?? {})).toContain("late/o9");
    expect(Object.keys(state?.orders ?? {})).toHaveLength(MANY_ORDERS + 9);
    expect(notices).toEqual([]);
  }, 60_000);

  it("a backend secret that is not set: state.backend-secret-missing, naming the variable", async () => {
    const env = { ...createEnv(), TEST_STORAGE_KEY: "", TEST_PG_URL: "" };
    const error = await readBothErrors(createLoaded(backend), env);
    expect(error).toMatchObject({ name: "OrderformError", code: "state.backend-secret-missing" });
    expect(error.message).toContain(backend === "azblob" ? "TEST_STORAGE_KEY" : "TEST_PG_URL");
    expect(error.hint).toEqual(expect.any(String));
  });

  it("an unreachable server: state.backend-unreachable", async () => {
    const loaded = createLoaded(backend);
    const env = createEnv();
    if (loaded.config.state.backend === "azblob")
      loaded.config.state.url = loaded.config.state.url.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9");
    else env.TEST_PG_URL = "postgres://postgres@127.0.0.1:9/postgres";
    const error = await readBothErrors(loaded, env);
    expect(error).toMatchObject({ name: "OrderformError", code: "state.backend-unreachable" });
  }, 60_000);
});

describe("readStateOnWorker, azblob: fails as read() does", () => {
  it("a wrong account key: state.backend-auth-failed, and the key is never shown", async () => {
    const env = { ...createEnv(), TEST_STORAGE_KEY: Buffer.from("not the key").toString("base64") };
    const error = await readBothErrors(createLoaded("azblob"), env);
    expect(error).toMatchObject({ name: "OrderformError", code: "state.backend-auth-failed" });
    expect(JSON.stringify(error)).not.toContain(AZURITE_KEY);
  });

  it("a missing container: state.backend-missing", async () => {
    const loaded = createLoaded("azblob");
    if (loaded.config.state.backend !== "azblob") throw new Error("not azblob");
    loaded.config.state.url = loaded.config.state.url.replace(CONTAINER, "no-such-container");
    const error = await readBothErrors(loaded, createEnv());
    expect(error).toMatchObject({ name: "OrderformError", code: "state.backend-missing" });
  });
});
