// Plan at scale (docs/performance.md): a sandbox (its own process, `orderform sandbox`) holding
// 10,000 customers and 20,000 orders, all declared in order files and recorded in state. Times
// `orderform plan` (built CLI, default --parallelism 10) against the floor (lib/floor-list.mjs:
// a token, then the same GET list requests at the same concurrency over undici), alternating in
// the same run. Reports the median ratio (a reference: on loopback without latency it measures CPU
// on a shared 2-core machine; plan-cost-bench.mjs holds the target under latency), orderform's peak RSS (target <= 300 MB)
// and the requests plan issued (target: one list request per customer, no per-order GETs).
// Also times lib/least-plan.mjs, the least work any plan must do (read the order files and the
// state, list and parse), and reports its ratio to the floor: the part of the ratio the task itself costs.
// BENCH_PROFILE_DIR=DIR adds one plan run under node --cpu-prof writing its profile to DIR.
// BENCH_HOLD=1 sets up, prints the project folder and sandbox URL, and waits for Ctrl-C.
// Run: npx tsc -p tsconfig.build.json && node test/bench/plan-bench.mjs [customers=10000] [ordersPerCustomer=2] [rounds=3]
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  CLI,
  ROOT,
  diffStats,
  median,
  printResult,
  readSandboxStats,
  runNode,
  startCliSandbox,
  sumStats,
} from "./lib/common.mjs";
import { createPlanEstate } from "./lib/plan-estate.mjs";

const CUSTOMERS = Number(process.argv[2] ?? 10_000);
const PER_CUSTOMER = Number(process.argv[3] ?? 2);
const ROUNDS = Number(process.argv[4] ?? 3);
const PARALLELISM = 10; // orderform's default --parallelism
const TARGET_RSS_MB = 300;
const ORDERS = CUSTOMERS * PER_CUSTOMER;
// BENCH_PLAN_CLI=/path/to/other/dist/cli/main.js times another build's plan against the same
// sandbox, project and floor (e.g. a git worktree of an older commit, built).
const PLAN_CLI = process.env.BENCH_PLAN_CLI ?? CLI;

const sandbox = await startCliSandbox();
let dir;
try {
  const t0 = performance.now();
  dir = await createPlanEstate(sandbox.url, { customers: CUSTOMERS, perCustomer: PER_CUSTOMER });
  const setupMs = performance.now() - t0;
  if (process.env.BENCH_HOLD === "1") {
    // For profiling by hand: keep the sandbox and the project until Ctrl-C.
    console.log(`project ${dir}\nsandbox ${sandbox.url}\nenv ORDERFORM_BENCH_SECRET=sandbox-secret CI=true`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }

  const runPlan = async (nodeFlags = []) => {
    const before = await readSandboxStats(sandbox.url);
    const run = await runNode([...nodeFlags, PLAN_CLI, "plan", "--parallelism", String(PARALLELISM)], {
      cwd: dir,
    });
    const after = await readSandboxStats(sandbox.url);
    if (run.code !== 0 || !run.stdout.includes("No changes.")) {
      throw new Error(
        `plan failed (exit ${run.code}):\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`,
      );
    }
    return { ...run, requests: diffStats(before, after) };
  };
  const runFloor = async () => {
    const run = await runNode([
      join(ROOT, "test/bench/lib/floor-list.mjs"),
      sandbox.url,
      String(CUSTOMERS),
      String(PARALLELISM),
    ]);
    if (run.code !== 0) throw new Error(`floor failed: ${run.stderr}`);
    return run;
  };

  const runLeast = async () => {
    const run = await runNode([
      join(ROOT, "test/bench/lib/least-plan.mjs"),
      dir,
      sandbox.url,
      String(PARALLELISM),
    ]);
    if (run.code !== 0) throw new Error(`least-plan failed: ${run.stderr}`);
    return run;
  };

  // Warm-up (page cache, the sandbox's JIT), then alternate so all see the same machine load.
  await runFloor();
  await runLeast();
  const warm = await runPlan();
  const plans = [];
  const floors = [];
  const leasts = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    floors.push(await runFloor());
    leasts.push(await runLeast());
    plans.push(await runPlan());
  }
  // BENCH_PROFILE_DIR=DIR: one more plan under --cpu-prof, for finding hot spots.
  if (process.env.BENCH_PROFILE_DIR)
    await runPlan(["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]);
  const planMs = median(plans.map((p) => p.ms));
  const floorMs = median(floors.map((f) => f.ms));
  const peakRssMb = Math.max(warm.peakRssBytes, ...plans.map((p) => p.peakRssBytes)) / 1024 / 1024;
  const requests = plans[plans.length - 1].requests;
  const listRequests = sumStats(requests, (route) => /^GET \/v1\/customers\/[^/]+\/orders$/.test(route));
  const getById = sumStats(requests, (route) => /^GET \/v1\/customers\/[^/]+\/orders\/[^/]+$/.test(route));
  const total = sumStats(requests, () => true);
  const ratio = planMs / floorMs;
  const leastMs = median(leasts.map((l) => l.ms));
  const leastRatio = leastMs / floorMs;

  console.log(
    `plan at scale: ${CUSTOMERS} customers, ${ORDERS} orders in state and files, parallelism ${PARALLELISM}, median of ${ROUNDS} (setup ${(setupMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  floor (undici GET loop, own process): ${floorMs.toFixed(0)} ms   runs ${floors.map((f) => f.ms.toFixed(0)).join(", ")}`,
  );
  console.log(
    `  orderform plan:                       ${planMs.toFixed(0)} ms   runs ${plans.map((p) => p.ms.toFixed(0)).join(", ")}`,
  );
  console.log(
    `  least work of any plan (least-plan.mjs): ${leastMs.toFixed(0)} ms   runs ${leasts.map((l) => l.ms.toFixed(0)).join(", ")}   = ${leastRatio.toFixed(2)}x the floor`,
  );
  console.log(
    `  ratio ${ratio.toFixed(2)}x (reference), peak RSS ${peakRssMb.toFixed(0)} MB (target <= ${TARGET_RSS_MB} MB)`,
  );
  console.log(
    `  requests per plan: ${total} total, ${listRequests} list, ${getById} GET by id; by route: ${JSON.stringify(requests)}`,
  );
  const pass = peakRssMb <= TARGET_RSS_MB && listRequests === CUSTOMERS && getById === 0;
  printResult({
    benchmark: "plan",
    customers: CUSTOMERS,
    orders: ORDERS,
    planMs,
    floorMs,
    ratio,
    leastMs,
    leastRatio,
    peakRssMb,
    listRequests,
    getById,
    totalRequests: total,
    pass,
  });
  if (!pass) process.exitCode = 1;
} finally {
  await sandbox.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
