/**
 * StateSession.appendAll on the shared backends (docs/backends.md), against a real Azurite and a
 * real PostgreSQL: generate's records go to the store a batch at a time (pg: one INSERT per batch;
 * azblob: one append block per at most 4 MiB of whole records), in order, folded in once durable;
 * refused with nothing folded once the lock is lost; and recovered by the next run when the
 * process died before its commit, or when the lock was lost between two of its blocks.
 *
 * PostgreSQL tests are skipped, saying how to get the server, when its binaries are missing, except
 * under CI, where a missing server fails them.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BlobServiceClient,
  ContainerClient,
  StorageSharedKeyCredential,
  newPipeline,
} from "@azure/storage-blob";
import type { RequestPolicy, RequestPolicyFactory } from "@azure/storage-blob";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import type { LoadedConfig, StateConfig } from "../../../src/config/types.js";
import { createEmptyState, foldJournal } from "../../../src/core/state-journal.js";
import { openConfiguredStateStore } from "../../../src/state/open-store.js";
import { createAzblobDriver } from "../../../src/state/remote/azblob-driver.js";
import { MAX_APPEND_BLOCK_BYTES } from "../../../src/state/remote/azblob-layout.js";
import type { RemoteStateDriver } from "../../../src/state/remote/driver.js";
import { createPgDriver } from "../../../src/state/remote/pg-driver.js";
import { createRemoteStateStore } from "../../../src/state/remote/remote-store.js";
import { APPEND_ALL_BATCH } from "../../../src/state/remote/remote-session.js";
import type { JournalEntry } from "../../../src/state/types.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from "../../support/azurite-server.mjs";
import type { RunningAzurite } from "../../support/azurite-server.mjs";
import { catchError, createOrder } from "./fixtures.js";
import { postgresAvailable, usePostgres } from "./remote/pg-test-server.js";

/** More than one batch of appendAll (APPEND_ALL_BATCH records). */
const MANY = 2_500;
const LEASE_SECONDS = 15;
const CONTAINER = `append-all-${randomUUID().slice(0, 8)}`;
const DIST_OPEN_STORE = resolve("dist/state/open-store.js");

let azurite: RunningAzurite | undefined;
let containerClient: ContainerClient;
const postgres = usePostgres();

beforeAll(async () => {
  azurite = await startAzurite();
  containerClient = new BlobServiceClient(
    azurite.accountUrl,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  ).getContainerClient(CONTAINER);
  await containerClient.create();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

type Backend = "azblob" | "pg";
const BACKENDS: Backend[] = postgresAvailable ? ["azblob", "pg"] : ["azblob"];

/** A fresh state of `backend`: its config (as a run loads it), and a driver to look at the store. */
interface Place {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  driver: RemoteStateDriver;
  /** The writes the journal took: its append blocks (azblob), its INSERT statements (pg). */
  countJournalWrites(): Promise<number>;
}

function createPlace(backend: Backend): Place {
  const id = randomUUID().slice(0, 8);
  const env = {
    ...process.env,
    TEST_STORAGE_KEY: AZURITE_KEY,
    ...(backend === "pg" ? { TEST_PG_URL: postgres.current().url } : {}),
  };
  if (backend === "azblob") {
    const name = `s-${id}`;
    const state: StateConfig = {
      backend: "azblob",
      url: `${azurite?.accountUrl ?? ""}/${CONTAINER}`,
      name,
      auth: { mode: "shared-key", accountName: AZURITE_ACCOUNT, accountKeyEnv: "TEST_STORAGE_KEY" },
      leaseSeconds: LEASE_SECONDS,
    };
    const driver = createAzblobDriver({
      containerClient,
      description: `azblob ${name}`,
      name,
      leaseSeconds: LEASE_SECONDS,
    });
    const journal = containerClient.getAppendBlobClient(`${name}/journal.jsonl`);
    return {
      loaded: createLoaded(state),
      env,
      driver,
      countJournalWrites: async () => (await journal.getProperties()).blobCommittedBlockCount ?? 0,
    };
  }
  const schema = `s_${id}`;
  const state: StateConfig = {
    backend: "pg",
    connectionStringEnv: "TEST_PG_URL",
    schema,
    name: "prod",
    lockTtlSeconds: LEASE_SECONDS,
  };
  const url = postgres.current().url;
  const driver = createPgDriver({
    connectionString: url,
    schema,
    name: "prod",
    lockTtlSeconds: LEASE_SECONDS,
  });
  // now() is the statement's transaction start: one INSERT's rows share it, two INSERTs' do not.
  const countJournalWrites = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const sql = `SELECT count(DISTINCT appended_at)::int AS n FROM "${schema}".journal WHERE name = 'prod'`;
      return (await client.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
  };
  return { loaded: createLoaded(state), env, driver, countJournalWrites };
}

function createLoaded(state: StateConfig): LoadedConfig {
  return { config: { ...createDefaultConfig(), state }, filepath: null, rootDir: process.cwd() };
}

function createEntries(count: number, prefix: string, lineItems = 1): JournalEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const order = createOrder(`${prefix}/o${i}`);
    order.applied.lineItems = Array.from({ length: lineItems }, (_, n) => ({
      lineItemNumber: n,
      offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
      quantity: n + 1,
      termDuration: "P1M",
    }));
    return { type: "created" as const, order };
  });
}

const namesOf = (entries: readonly JournalEntry[]): string[] =>
  entries.map((e) => (e.type === "created" ? e.order.name : ""));

describe.each(BACKENDS)("appendAll (%s)", (backend) => {
  it(`records ${MANY} records in order, a batch per write, and commits them as one version`, async () => {
    const place = createPlace(backend);
    try {
      const store = await openConfiguredStateStore(place.loaded, { env: place.env });
      const session = await store.open("generate", { timeoutMs: 0 });
      const entries = createEntries(MANY, "g");
      await session.appendAll(entries);
      expect((await place.driver.readJournal()).entries).toEqual(entries);
      expect(await place.countJournalWrites()).toBe(Math.ceil(MANY / APPEND_ALL_BATCH));
      expect(Object.keys(session.current().orders)).toEqual(namesOf(entries));
      const committed = await session.commit({ command: "generate", summary: `${MANY} imported` });
      await session.release();
      expect(committed.serial).toBe(1);
      const snapshot = await place.driver.readSnapshot();
      expect(snapshot?.state).toEqual(
        foldJournal({ ...createEmptyState(committed.lineage), serial: 1 }, entries),
      );
      expect(Object.keys(snapshot?.state.orders ?? {})).toEqual(namesOf(entries));
      expect((await place.driver.readJournal()).entries).toEqual([]);
      expect((await store.listHistory()).map((h) => h.command)).toEqual(["generate"]);
    } finally {
      await place.driver.close();
    }
  }, 60_000);

  it("sends records that cross the 4 MiB block limit whole, in order", async () => {
    const place = createPlace(backend);
    try {
      // About 310 kB a record: 13 fit in a block, so 40 take 4 blocks (3 if records were split).
      const entries = createEntries(40, "big", 3_000);
      const longest = Math.max(...entries.map((e) => Buffer.byteLength(`${JSON.stringify(e)}\n`)));
      const perBlock = Math.floor((MAX_APPEND_BLOCK_BYTES - 200) / longest);
      const total = entries.reduce((sum, e) => sum + Buffer.byteLength(`${JSON.stringify(e)}\n`), 0);
      expect(total).toBeGreaterThan(2 * MAX_APPEND_BLOCK_BYTES);
      expect(Math.ceil(entries.length / perBlock)).toBeGreaterThan(Math.ceil(total / MAX_APPEND_BLOCK_BYTES));

      const store = await openConfiguredStateStore(place.loaded, { env: place.env });
      const session = await store.open("generate", { timeoutMs: 0 });
      await session.appendAll(entries);
      const journal = await place.driver.readJournal();
      expect(namesOf(journal.entries)).toEqual(namesOf(entries));
      expect(journal.entries).toEqual(entries);
      expect(await place.countJournalWrites()).toBe(
        backend === "azblob" ? Math.ceil(entries.length / perBlock) : 1,
      );
      await session.commit({ command: "generate", summary: "40 imported" });
      await session.release();
      expect(Object.keys((await place.driver.readSnapshot())?.state.orders ?? {})).toEqual(namesOf(entries));
    } finally {
      await place.driver.close();
    }
  }, 60_000);

  it("refuses with state.lock-lost once the lock was broken: nothing appended, nothing folded", async () => {
    const place = createPlace(backend);
    try {
      const store = await openConfiguredStateStore(place.loaded, { env: place.env });
      const session = await store.open("generate", { timeoutMs: 0 });
      await place.driver.breakLock(session.lock.id);
      const error = await catchError(session.appendAll(createEntries(50, "late")));
      expect(error.code).toBe("state.lock-lost");
      expect(error.message).toContain("Could not record the 50 record(s) given at once");
      expect(session.current().orders).toEqual({});
      expect((await place.driver.readJournal()).entries).toEqual([]);
      await expect(session.commit({ command: "generate", summary: "none" })).rejects.toMatchObject({
        code: "state.lock-lost",
      });
      await session.release();
      expect(await place.driver.readSnapshot()).toBeNull();
    } finally {
      await place.driver.close();
    }
  }, 60_000);

  it.runIf(existsSync(DIST_OPEN_STORE))(
    `recovers the ${MANY} records of a run killed after appendAll and before its commit`,
    async () => {
      const place = createPlace(backend);
      try {
        const child = spawn(process.execPath, [resolve("test/fixtures/append-all-holder.mjs")], {
          env: {
            ...place.env,
            OPEN_STORE_URL: pathToFileURL(DIST_OPEN_STORE).href,
            LOADED: JSON.stringify(place.loaded),
            ORDER: JSON.stringify(createOrder("dead")),
            COUNT: String(MANY),
          },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const exited = new Promise((done) => child.once("exit", done));
        await new Promise<void>((done) => {
          child.stdout.on("data", (chunk: Buffer) => {
            if (chunk.toString().includes("appended")) done();
          });
        });
        child.kill("SIGKILL");
        await exited;
        expect((await place.driver.readJournal()).entries).toHaveLength(MANY);

        // The next run takes the lock once the killed run's lease ends, and commits its records.
        const notices: string[] = [];
        const store = await openConfiguredStateStore(place.loaded, {
          env: place.env,
          notify: (text) => notices.push(text),
        });
        const session = await store.open("apply", { timeoutMs: 3 * LEASE_SECONDS * 1000 });
        const names = Array.from({ length: MANY }, (_, i) => `dead/o${i}`);
        expect(Object.keys(session.current().orders)).toEqual(names);
        await session.release();
        expect(notices.join("")).toContain(`recovered ${MANY} journal record(s)`);
        const history = await store.listHistory();
        expect(history.map((h) => h.command)).toEqual(["recover"]);
        expect((await place.driver.readJournal()).entries).toEqual([]);
        expect(Object.keys((await place.driver.readSnapshot())?.state.orders ?? {})).toEqual(names);
      } finally {
        await place.driver.close();
      }
    },
    90_000,
  );
});

describe("appendAll (azblob): a batch whose lock is lost between two blocks", () => {
  it("leaves its first block in the journal, says so, and the next run folds that block in", async () => {
    const name = `cut-${randomUUID().slice(0, 8)}`;
    const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
    const createDriver = (client: ContainerClient) =>
      createAzblobDriver({ containerClient: client, description: `azblob ${name}`, name, leaseSeconds: 15 });
    const plain = createDriver(containerClient);
    let breakBeforeBlock = 2;
    let lockId = "";
    let blocks = 0;
    // Breaks the lock just before the batch's second append block is sent, as force-unlock would.
    const breaker: RequestPolicyFactory = {
      create: (next): RequestPolicy => ({
        sendRequest: async (request) => {
          if (request.method === "PUT" && request.url.includes("comp=appendblock")) {
            blocks += 1;
            if (blocks === breakBeforeBlock) await plain.breakLock(lockId);
          }
          return next.sendRequest(request);
        },
      }),
    };
    const pipeline = newPipeline(credential, { retryOptions: { maxTries: 1 } });
    pipeline.factories.push(breaker);
    const cutClient = new ContainerClient(`${azurite?.accountUrl ?? ""}/${CONTAINER}`, pipeline);
    const notices: string[] = [];
    const createStore = (client: ContainerClient) =>
      createRemoteStateStore({
        driver: createDriver(client),
        readGitCommit: () => Promise.resolve(undefined),
        notify: (text) => notices.push(text),
      });
    try {
      const entries = createEntries(40, "cut", 3_000);
      const session = await createStore(cutClient).open("generate", { timeoutMs: 0 });
      lockId = session.lock.id;
      blocks = 0;
      const error = await catchError(session.appendAll(entries));
      expect(error.code).toBe("state.lock-lost");
      expect(error.message).toMatch(
        /Of the 40 records appended together, the first (\d+) are in the journal/,
      );
      const landed = Number(/the first (\d+) are in the journal/.exec(error.message)?.[1]);
      expect(landed).toBeGreaterThan(0);
      expect(landed).toBeLessThan(entries.length);
      expect(session.current().orders).toEqual({});
      await session.release();
      breakBeforeBlock = 0;

      const next = await createStore(containerClient).open("apply", { timeoutMs: 0 });
      expect(Object.keys(next.current().orders)).toEqual(namesOf(entries.slice(0, landed)));
      await next.release();
      expect(notices.join("")).toContain(`recovered ${landed} journal record(s)`);
    } finally {
      await plain.close();
    }
  }, 60_000);
});
