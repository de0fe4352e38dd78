// State write benchmark: cost of one journal append (one fsync) and of the final commit, with
// 100 and 20,000 orders already in state. Appends must not grow with state size; commit does
// (it rewrites and validates the snapshot once per run).
// Run: npx tsc -p tsconfig.build.json && node test/bench/state-write-bench.mjs [appendsPerSize]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createLocalStateStore } from "../../dist/state/local-store.js";

const SIZES = [100, 20_000];
const APPENDS = Number(process.argv[2] ?? 200);
const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";

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

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(size) {
  const dir = await mkdtemp(join(tmpdir(), "orderform-state-bench-"));
  try {
    const orders = {};
    for (let i = 0; i < size; i += 1) orders[`seed/${i}`] = createOrder(`seed/${i}`);
    const state = { version: 1, lineage: randomUUID(), serial: 1, orders, pending: {}, failures: {} };
    const text = `${JSON.stringify(state, null, 2)}\n`;
    await writeFile(join(dir, "orderform.state.json"), text, { mode: 0o600 });
    const store = createLocalStateStore({
      rootDir: dir,
      path: "orderform.state.json",
      readGitCommit: async () => undefined,
    });

    let started = performance.now();
    const session = await store.open("bench", { timeoutMs: 0 });
    const openMs = performance.now() - started;

    const times = [];
    for (let i = 0; i < APPENDS; i += 1) {
      const name = `new/${i}`;
      started = performance.now();
      await session.append({ type: "created", order: createOrder(name) });
      times.push(performance.now() - started);
    }
    started = performance.now();
    const committed = await session.commit({ command: "bench", summary: `${APPENDS} created` });
    const commitMs = performance.now() - started;
    await session.release();
    if (Object.keys(committed.orders).length !== size + APPENDS) throw new Error("commit lost records");

    started = performance.now();
    await store.read();
    const readMs = performance.now() - started;

    times.sort((a, b) => a - b);
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    return {
      size,
      bytes: text.length,
      openMs,
      mean,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      commitMs,
      readMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const size of SIZES) rows.push(await measure(size));

const f = (ms) => ms.toFixed(2).padStart(9);
console.log(`state write benchmark (${APPENDS} appends per size, each one write + fdatasync)`);
console.log(
  "orders in state | snapshot MB | open ms | append mean ms | append p50 | append p95 | commit ms | read ms",
);
for (const r of rows) {
  console.log(
    `${String(r.size).padStart(15)} | ${(r.bytes / 1e6).toFixed(1).padStart(11)} | ${f(r.openMs)} | ${f(r.mean).padStart(14)} | ${f(r.p50).padStart(10)} | ${f(r.p95).padStart(10)} | ${f(r.commitMs)} | ${f(r.readMs)}`,
  );
}
const [small, large] = rows;
if (small && large)
  console.log(
    `append mean ratio 20,000 vs 100 orders: ${(large.mean / small.mean).toFixed(2)}x (expected ~1)`,
  );
