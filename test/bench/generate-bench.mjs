// Generate at scale (docs/performance.md, docs/generate.md): a sandbox (its own process, `orderform
// sandbox --no-sandbox-limits`) holding 2,000 customers with 2 orders each, untracked, and the
// latency fault on for every Partner Center route. Times `orderform generate` (built CLI, default
// --parallelism 10, a fresh project each run: it lists the customers, their orders and subscriptions, writes
// 4,000 order files and records them in one state version) against the floor (lib/floor-generate.mjs:
// a token, then the same list requests, the subscription lists included, at the same
// concurrency), alternating in the same run.
// Reports the median ratio (target <= 1.1x) and checks that every order got a file and a record.
// Run: npx tsc -p tsconfig.build.json && node test/bench/generate-bench.mjs [customers=2000] [ordersPerCustomer=2] [rounds=3] [latencyMs=50]
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  CLI,
  LICENSE_OFFER,
  ROOT,
  createCustomerId,
  createProject,
  fetchJson,
  median,
  printResult,
  runNode,
  startCliSandbox,
} from "./lib/common.mjs";

const CUSTOMERS = Number(process.argv[2] ?? 2_000);
const PER_CUSTOMER = Number(process.argv[3] ?? 2);
const ROUNDS = Number(process.argv[4] ?? 3);
const LATENCY_MS = Number(process.argv[5] ?? 50);
const PARALLELISM = 10; // orderform's default --parallelism
const TARGET_RATIO = 1.1;
const ORDERS = CUSTOMERS * PER_CUSTOMER;

const sandbox = await startCliSandbox(["--no-sandbox-limits"]);
const dirs = [];
try {
  const t0 = performance.now();
  await fetchJson(
    `${sandbox.url}/_sandbox/customers`,
    "POST",
    Array.from({ length: CUSTOMERS }, (_, i) => ({
      id: createCustomerId(i),
      companyName: `Customer ${i} Ltd.`,
    })),
  );
  const seeded = await fetchJson(
    `${sandbox.url}/_sandbox/orders?compact=1`,
    "POST",
    Array.from({ length: ORDERS }, (_, i) => ({
      customer: createCustomerId(Math.floor(i / PER_CUSTOMER)),
      creationDate: "2026-01-01T00:00:00Z",
      status: "completed",
      billingCycle: "monthly",
      lineItems: [{ lineItemNumber: 0, offerId: LICENSE_OFFER, quantity: (i % 20) + 1, termDuration: "P1M" }],
    })),
  );
  if (seeded.count !== ORDERS) throw new Error(`seeded ${seeded.count} orders, expected ${ORDERS}`);
  await fetchJson(`${sandbox.url}/_sandbox/faults`, "PUT", {
    seed: 7,
    latency: {
      fixedMs: LATENCY_MS,
      jitterMs: LATENCY_MS / 2,
      route: { method: "GET", pathPattern: "^/v1/" },
    },
  });
  const setupMs = performance.now() - t0;

  const runGenerate = async () => {
    const dir = await createProject(sandbox.url);
    dirs.push(dir);
    const run = await runNode([CLI, "generate", "--parallelism", String(PARALLELISM)], { cwd: dir });
    if (run.code !== 0) throw new Error(`generate failed (exit ${run.code}):\n${run.stderr.slice(0, 2000)}`);
    const files = (await readdir(join(dir, "orders", "generated"), { recursive: true })).filter((f) =>
      f.endsWith(".yaml"),
    );
    const state = JSON.parse(await readFile(join(dir, "orderform.state.json"), "utf8"));
    const records = Object.keys(state.orders).length;
    if (files.length !== ORDERS || records !== ORDERS)
      throw new Error(`generate wrote ${files.length} files and ${records} records, expected ${ORDERS}`);
    await rm(dir, { recursive: true, force: true });
    return run;
  };
  const runFloor = async () => {
    const run = await runNode([
      join(ROOT, "test/bench/lib/floor-generate.mjs"),
      sandbox.url,
      String(PARALLELISM),
    ]);
    if (run.code !== 0) throw new Error(`floor failed: ${run.stderr}`);
    return run;
  };

  // Warm-up, then alternate so both see the same machine load.
  await runFloor();
  await runGenerate();
  const generates = [];
  const floors = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    floors.push(await runFloor());
    generates.push(await runGenerate());
  }
  const generateMs = median(generates.map((g) => g.ms));
  const floorMs = median(floors.map((f) => f.ms));
  const ratio = generateMs / floorMs;
  const peakRssMb = Math.max(...generates.map((g) => g.peakRssBytes)) / 1024 / 1024;
  console.log(
    `generate at scale: ${CUSTOMERS} customers, ${ORDERS} untracked orders, latency ${LATENCY_MS}±${LATENCY_MS / 2} ms, parallelism ${PARALLELISM}, median of ${ROUNDS} (setup ${(setupMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  floor (undici list loop, own process): ${floorMs.toFixed(0)} ms   runs ${floors.map((f) => f.ms.toFixed(0)).join(", ")}`,
  );
  console.log(
    `  orderform generate:                    ${generateMs.toFixed(0)} ms   runs ${generates.map((g) => g.ms.toFixed(0)).join(", ")}`,
  );
  console.log(
    `  ratio ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x), peak RSS ${peakRssMb.toFixed(0)} MB`,
  );
  const pass = ratio <= TARGET_RATIO;
  printResult({
    benchmark: "generate",
    customers: CUSTOMERS,
    orders: ORDERS,
    latencyMs: LATENCY_MS,
    generateMs,
    floorMs,
    ratio,
    peakRssMb,
    pass,
  });
  if (!pass) process.exitCode = 1;
} finally {
  await sandbox.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
