// State backends benchmark: lock acquire, journal append and commit at 100 and 20,000 orders, for
// the local file, Azure Blob Storage (Azurite) and PostgreSQL (a real server), side by side in one
// run on loopback. A journal append must stay one round trip, flat in the state's size; the commit
// at 20,000 orders (a ~13 MB state) must stay under 2 s. Then, per backend, the same 2,000 records
// (generate's imports) recorded by one appendAll and by 2,000 single appends: the ratio is what
// batching saves, and grows with the store's latency (a real store is not on loopback).
// Run: npm run build && node test/bench/state-backends-bench.mjs [appendsPerSize]
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { createLocalStateStore } from "../../dist/state/local-store.js";
import { createAzblobDriver } from "../../dist/state/remote/azblob-driver.js";
import { createPgDriver } from "../../dist/state/remote/pg-driver.js";
import { createRemoteStateStore } from "../../dist/state/remote/remote-store.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from "../support/azurite-server.mjs";
import { findPostgresBinDir, startPostgres } from "../support/postgres-server.mjs";

const SIZES = [100, 20_000];
const APPENDS = Number(process.argv[2] ?? 100);
const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const noGit = async () => undefined;

function createOrder(name) {
  return {
    name,
    customer: CUSTOMER,
    orderId: `order-${name}`,
    requestId: randomUUID(),
    creationDate: "2026-01-02T03:04:05Z",
    recordedAt: "2026-01-02T03:04:06Z",
    status: "completed",
    applied: {
      customer: CUSTOMER,
      billingCycle: "monthly",
      lineItems: [
        { lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 25, termDuration: "P1M" },
      ],
    },
    origin: "created",
  };
}

function createSeed(size) {
  const orders = {};
  for (let i = 0; i < size; i += 1) orders[`seed/${i}`] = createOrder(`seed/${i}`);
  const state = { version: 1, lineage: randomUUID(), serial: 1, orders, pending: {}, failures: {} };
  const meta = {
    serial: 1,
    lineage: state.lineage,
    time: new Date().toISOString(),
    command: "bench seed",
    user: "bench",
    host: "bench",
    summary: `${size} orders`,
  };
  return { state, meta };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(store, size) {
  const seed = createSeed(size);
  await store.importVersions([seed], 0);
  let started = performance.now();
  const session = await store.open("bench", { timeoutMs: 0 });
  const acquireMs = performance.now() - started;
  const times = [];
  for (let i = 0; i < APPENDS; i += 1) {
    started = performance.now();
    await session.append({ type: "created", order: createOrder(`new/${i}`) });
    times.push(performance.now() - started);
  }
  started = performance.now();
  const committed = await session.commit({ command: "bench", summary: `${APPENDS} created` });
  const commitMs = performance.now() - started;
  await session.release();
  if (Object.keys(committed.orders).length !== size + APPENDS) throw new Error("commit lost records");
  times.sort((a, b) => a - b);
  return {
    size,
    acquireMs,
    mean: times.reduce((sum, t) => sum + t, 0) / times.length,
    p95: percentile(times, 95),
    commitMs,
  };
}

const BATCH_RECORDS = 2_000;

/** Milliseconds to record BATCH_RECORDS records, by one appendAll or one append each. */
async function measureBatch(store, mode) {
  const session = await store.open("bench", { timeoutMs: 0 });
  const entries = Array.from({ length: BATCH_RECORDS }, (_, i) => ({
    type: "created",
    order: createOrder(`import/${i}`),
  }));
  const started = performance.now();
  if (mode === "appendAll") await session.appendAll(entries);
  else for (const entry of entries) await session.append(entry);
  const ms = performance.now() - started;
  const committed = await session.commit({ command: "bench", summary: `${BATCH_RECORDS} imported` });
  await session.release();
  if (Object.keys(committed.orders).length !== BATCH_RECORDS) throw new Error("commit lost records");
  return ms;
}

const backends = [];
const dir = await mkdtemp(join(tmpdir(), "orderform-backends-bench-"));
backends.push({
  name: "local",
  createStore: (n) => createLocalStateStore({ rootDir: dir, path: `state-${n}.json`, readGitCommit: noGit }),
  stop: () => rm(dir, { recursive: true, force: true }),
});
const azurite = await startAzurite();
const containerClient = new BlobServiceClient(
  azurite.accountUrl,
  new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
).getContainerClient("bench");
await containerClient.create();
backends.push({
  name: "azblob",
  createStore: (n) =>
    createRemoteStateStore({
      driver: createAzblobDriver({
        containerClient,
        description: `azblob bench/${n}`,
        name: n,
        leaseSeconds: 60,
      }),
      readGitCommit: noGit,
    }),
  stop: () => azurite.stop(),
});
if (findPostgresBinDir() !== undefined) {
  const postgres = await startPostgres();
  backends.push({
    name: "pg",
    createStore: (n) =>
      createRemoteStateStore({
        driver: createPgDriver({
          connectionString: postgres.url,
          schema: "bench",
          name: n,
          lockTtlSeconds: 60,
        }),
        readGitCommit: noGit,
      }),
    stop: () => postgres.stop(),
  });
} else {
  console.log("pg: skipped (no PostgreSQL server binaries; see test/support/postgres-server.mjs)");
}

const rows = [];
const batches = [];
try {
  for (const backend of backends) {
    for (const size of SIZES) {
      const store = backend.createStore(`bench-${size}-${randomUUID().slice(0, 6)}`);
      rows.push({ backend: backend.name, ...(await measure(store, size)) });
    }
    const single = await measureBatch(backend.createStore(`single-${randomUUID().slice(0, 6)}`), "append");
    const all = await measureBatch(backend.createStore(`all-${randomUUID().slice(0, 6)}`), "appendAll");
    batches.push({ backend: backend.name, single, all });
  }
} finally {
  for (const backend of backends) await backend.stop();
}

const f = (ms) => ms.toFixed(2).padStart(9);
console.log(`state backends benchmark (${APPENDS} appends per size, loopback)`);
console.log("backend | orders in state | acquire ms | append mean ms | append p95 | commit ms");
for (const r of rows) {
  console.log(
    `${r.backend.padEnd(7)} | ${String(r.size).padStart(15)} | ${f(r.acquireMs).padStart(10)} | ${f(r.mean).padStart(14)} | ${f(r.p95).padStart(10)} | ${f(r.commitMs)}`,
  );
}
for (const name of new Set(rows.map((r) => r.backend))) {
  const [small, large] = rows.filter((r) => r.backend === name);
  if (small && large) {
    console.log(
      `${name}: append ${large.size} vs ${small.size} orders ${(large.mean / small.mean).toFixed(2)}x (flat ~1x); commit at ${large.size} ${large.commitMs.toFixed(0)} ms (< 2000)`,
    );
  }
}
console.log(`\nrecording ${BATCH_RECORDS} records: appendAll vs ${BATCH_RECORDS} single appends`);
console.log("backend | appendAll ms | single appends ms | per record (single) | ratio");
for (const b of batches) {
  console.log(
    `${b.backend.padEnd(7)} | ${f(b.all).padStart(12)} | ${f(b.single).padStart(17)} | ${f(b.single / BATCH_RECORDS).padStart(19)} | ${(b.single / b.all).toFixed(1)}x`,
  );
}
