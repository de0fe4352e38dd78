// Plan cost (docs/performance.md, "Plan cost"): what a plan costs against a service whose every
// list request takes tens of milliseconds. All ratios are measured side by side in one run; none
// is a timed test assertion.
// 1. Full plan vs the bare request loop (lib/floor-list.mjs) under the sandbox's latency fault
//    (40 ms + up to 80 ms on every list: 80 +- 40 ms), alternating, at 2,000 customers (one order
//    each) and 10,000 customers (two each). Target <= 1.05x.
// 2. `plan --refresh=false` after one new order file among the 20,000 orders: the list requests
//    it makes (target <= 2) and its wall time, next to the full plan's.
// 3. orderform's own CPU per declared order in plan (user + system CPU of the plan process, less
//    that of a plan of an empty project against the same sandbox: Node, start-up, config, sign-in),
//    no latency, at 2,000 and 20,000 orders; it must grow linearly (the per-order figure stays
//    about flat).
// 4. Peak RSS of a full plan over 100,000 orders of 50,000 customers (target <= 600 MB): the
//    median of BENCH_COST_MEMORY_ROUNDS runs (default 3), with the range, since where V8's few
//    full collections fall moves one run's peak by tens of MB (docs/performance.md, "Plan cost").
// Environment: BENCH_COST_ROUNDS=N latency rounds (default 1), BENCH_COST_CPU_ROUNDS=N (default 3),
// BENCH_COST_SCALE=F multiplies every size (e.g. 0.1 for a quick try; targets still printed).
// Run: npm run build && node test/bench/plan-cost-bench.mjs
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CLI,
  ROOT,
  createCustomerId,
  createProject,
  diffStats,
  fetchJson,
  median,
  printResult,
  readSandboxStats,
  runNode,
  startCliSandbox,
  sumStats,
} from "./lib/common.mjs";
import { createContent, createOrderYaml, createPlanEstate } from "./lib/plan-estate.mjs";

const SCALE = Number(process.env.BENCH_COST_SCALE ?? 1);
const ROUNDS = Number(process.env.BENCH_COST_ROUNDS ?? 1);
const CPU_ROUNDS = Number(process.env.BENCH_COST_CPU_ROUNDS ?? 3);
const MEMORY_ROUNDS = Number(process.env.BENCH_COST_MEMORY_ROUNDS ?? 3);
const PARALLELISM = 10; // orderform's default --parallelism
const TARGET_RATIO = 1.05;
const TARGET_REFRESH_FALSE_LISTS = 2;
const TARGET_RSS_MB = 600;
const LATENCY = {
  fixedMs: 40,
  jitterMs: 80,
  route: { method: "GET", pathPattern: "^/v1/customers/[^/]+/(orders|subscriptions)$" },
};
const sized = (n) => Math.max(10, Math.round(n * SCALE));
const isList = (route) => /^GET \/v1\/customers\/[^/]+\/(orders|subscriptions)$/.test(route);

/** Runs `orderform ARGS` in the project; fails on an unexpected exit code. */
async function runCli(dir, args, expectedCodes = [0]) {
  const run = await runNode([CLI, ...args], { cwd: dir });
  if (!expectedCodes.includes(run.code))
    throw new Error(`orderform ${args.join(" ")} exited ${run.code}:\n${run.stderr.slice(0, 2000)}`);
  return run;
}

/** A plan with the sandbox's request counts around it. */
async function runPlan(sandbox, dir, args = [], expectedCodes = [0]) {
  const before = await readSandboxStats(sandbox.url);
  const run = await runCli(dir, ["plan", "--parallelism", String(PARALLELISM), ...args], expectedCodes);
  const requests = diffStats(before, await readSandboxStats(sandbox.url));
  return { ...run, lists: sumStats(requests, isList) };
}

async function runFloor(sandbox, customers) {
  const args = [
    join(ROOT, "test/bench/lib/floor-list.mjs"),
    sandbox.url,
    String(customers),
    String(PARALLELISM),
  ];
  const run = await runNode(args);
  if (run.code !== 0) throw new Error(`floor failed: ${run.stderr}`);
  return run;
}

/** Median CPU of `orderform plan` here and of a plan of an empty project (the fixed cost), in ms. */
async function measurePlanCpu(sandbox, dir) {
  const empty = await createProject(sandbox.url);
  try {
    await runPlan(sandbox, dir); // warm-up: page cache, the sandbox's JIT
    const plans = [];
    const starts = [];
    for (let r = 0; r < CPU_ROUNDS; r += 1) {
      starts.push((await runPlan(sandbox, empty)).cpuMs);
      plans.push((await runPlan(sandbox, dir)).cpuMs);
    }
    if (plans.some((ms) => ms === undefined)) throw new Error("CPU time needs /usr/bin/time");
    return { planCpuMs: median(plans), startCpuMs: median(starts) };
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
}

/** One estate in its own sandbox; `measure` gets the sandbox and the project folder. */
async function withEstate(customers, perCustomer, measure) {
  const sandbox = await startCliSandbox();
  let dir;
  try {
    dir = await createPlanEstate(sandbox.url, { customers, perCustomer });
    return await measure(sandbox, dir);
  } finally {
    await fetchJson(`${sandbox.url}/_sandbox/faults`, "PUT", {}).catch(() => undefined);
    await sandbox.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Floor and plan alternating under the latency fault; the ratio of the medians. */
async function measureLatency(sandbox, dir, customers) {
  await fetchJson(`${sandbox.url}/_sandbox/faults`, "PUT", { seed: 1, latency: LATENCY });
  const floors = [];
  const plans = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    floors.push((await runFloor(sandbox, customers)).ms);
    plans.push((await runPlan(sandbox, dir)).ms);
  }
  return { floorMs: median(floors), planMs: median(plans), ratio: median(plans) / median(floors) };
}

const result = { benchmark: "plan-cost", latency: [], cpu: [] };

// 2,000 customers, one order each: latency ratio and CPU per order at 2,000 orders.
const small = sized(2_000);
await withEstate(small, 1, async (sandbox, dir) => {
  const cpu = await measurePlanCpu(sandbox, dir);
  result.cpu.push({ orders: small, ...cpu, perOrderUs: ((cpu.planCpuMs - cpu.startCpuMs) * 1000) / small });
  result.latency.push({ customers: small, orders: small, ...(await measureLatency(sandbox, dir, small)) });
});

// 10,000 customers, two orders each: CPU at 20,000 orders, latency ratio, then --refresh=false.
const large = sized(10_000);
await withEstate(large, 2, async (sandbox, dir) => {
  const orders = large * 2;
  const cpu = await measurePlanCpu(sandbox, dir);
  result.cpu.push({ orders, ...cpu, perOrderUs: ((cpu.planCpuMs - cpu.startCpuMs) * 1000) / orders });
  result.latency.push({ customers: large, orders, ...(await measureLatency(sandbox, dir, large)) });
  // A pull request adding one order file among them, still under the latency fault.
  const content = createContent(createCustomerId(0), 3);
  await writeFile(join(dir, "orders", "c0", "added.yaml"), createOrderYaml("c0/added", content));
  const skipped = await runPlan(sandbox, dir, ["--refresh=false", "--detailed-exitcode"], [2]);
  if (!skipped.stdout.includes("+ create c0/added"))
    throw new Error(`no create:\n${skipped.stdout.slice(0, 2000)}`);
  result.refreshFalse = {
    orders,
    lists: skipped.lists,
    ms: skipped.ms,
    fullPlanMs: result.latency.at(-1).planMs,
  };
});

// 50,000 customers, two orders each: peak RSS of a full plan.
const huge = sized(50_000);
await withEstate(huge, 2, async (sandbox, dir) => {
  const runs = [];
  for (let r = 0; r < MEMORY_ROUNDS; r += 1) runs.push(await runPlan(sandbox, dir));
  const peaks = runs.map((run) => run.peakRssBytes / 1024 / 1024);
  result.memory = {
    customers: huge,
    orders: huge * 2,
    peakRssMb: median(peaks),
    peakRssRangeMb: [Math.min(...peaks), Math.max(...peaks)],
    ms: median(runs.map((run) => run.ms)),
  };
});

console.log(
  `plan cost (parallelism ${PARALLELISM}, latency 80 +- 40 ms per list, ${ROUNDS} round(s), scale ${SCALE})`,
);
for (const l of result.latency)
  console.log(
    `  full plan, ${l.customers} customers / ${l.orders} orders: ${(l.planMs / 1000).toFixed(1)} s vs bare loop ${(l.floorMs / 1000).toFixed(1)} s = ${l.ratio.toFixed(3)}x (target <= ${TARGET_RATIO}x)`,
  );
const rf = result.refreshFalse;
console.log(
  `  --refresh=false after one new file among ${rf.orders} orders: ${rf.lists} list requests (target <= ${TARGET_REFRESH_FALSE_LISTS}), ${(rf.ms / 1000).toFixed(2)} s vs full plan ${(rf.fullPlanMs / 1000).toFixed(1)} s`,
);
for (const c of result.cpu)
  console.log(
    `  CPU per declared order at ${c.orders} orders: ${c.perOrderUs.toFixed(1)} us (plan ${c.planCpuMs.toFixed(0)} ms CPU less ${c.startCpuMs.toFixed(0)} ms for an empty project)`,
  );
const [cpuSmall, cpuLarge] = result.cpu;
result.cpuGrowth = cpuLarge.perOrderUs / cpuSmall.perOrderUs;
console.log(
  `  CPU per order, ${cpuLarge.orders} vs ${cpuSmall.orders} orders: ${result.cpuGrowth.toFixed(2)}x (linear: ~1x)`,
);
const m = result.memory;
console.log(
  `  peak RSS of a full plan over ${m.orders} orders / ${m.customers} customers: median ${m.peakRssMb.toFixed(0)} MB of ${MEMORY_ROUNDS} run(s), ${m.peakRssRangeMb.map((mb) => mb.toFixed(0)).join("-")} MB (target <= ${TARGET_RSS_MB} MB), ${(m.ms / 1000).toFixed(1)} s`,
);
result.pass =
  result.latency.every((l) => l.ratio <= TARGET_RATIO) &&
  rf.lists <= TARGET_REFRESH_FALSE_LISTS &&
  result.cpuGrowth <= 1.5 &&
  m.peakRssMb <= TARGET_RSS_MB;
printResult(result);
if (!result.pass) process.exitCode = 1;
