// `npm run bench`: every benchmark in sequence (each its own process, so none warms another),
// their output passed through, then one summary table with figures, ratios and targets.
// Environment: BENCH_APPLY_ORDERS=N shortens the apply benchmark (default 1000, ~2 min);
// BENCH_SKIP_SOAK=1 skips the crash soak; BENCH_CRASH_RUNS=N sets its runs (default 200).
// Exit code 1 when any benchmark fails or misses its target.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ROOT } from "./lib/common.mjs";

const CRASH_RUNS = process.env.BENCH_CRASH_RUNS ?? "200";
const SOAK_TIMEOUT_MS = 30 * 60_000;

/** Runs a command, echoing its output, and returns stdout with the exit code and wall time. */
async function runStep(command, args, { env = {}, timeoutMs = 15 * 60_000 } = {}) {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += String(chunk);
    process.stdout.write(chunk);
  });
  child.stderr.on("data", (chunk) => process.stderr.write(chunk));
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const [code] = await once(child, "close");
  clearTimeout(timer);
  return { code, stdout, seconds: (performance.now() - started) / 1000 };
}

function readResult(stdout) {
  const line = stdout.split("\n").findLast((l) => l.startsWith("BENCH_RESULT "));
  return line === undefined ? undefined : JSON.parse(line.slice("BENCH_RESULT ".length));
}

const rows = [];
const row = (benchmark, figure, value, target, pass) => rows.push({ benchmark, figure, value, target, pass });
const node = (script, args = [], options) =>
  runStep(process.execPath, [join(ROOT, "test/bench", script), ...args], options);
const heading = (title) => console.log(`\n=== ${title} ${"=".repeat(Math.max(0, 70 - title.length))}`);
const failed = (name, run) => row(name, "run", `exit ${run.code}`, "exit 0", false);

heading("1. plan at scale");
{
  const run = await node("plan-bench.mjs");
  const r = readResult(run.stdout);
  if (r === undefined) failed("plan", run);
  else {
    row(
      "plan",
      `wall, ${r.customers} customers / ${r.orders} orders`,
      `${(r.planMs / 1000).toFixed(2)} s vs floor ${(r.floorMs / 1000).toFixed(2)} s`,
      "",
      true,
    );
    // No latency: CPU-bound on loopback, a reference only; the plan-cost rows below hold the target.
    row("plan", "ratio to floor, no latency", `${r.ratio.toFixed(2)}x`, "reference", true);
    row(
      "plan",
      "least work of any plan, ratio to floor",
      `${r.leastRatio.toFixed(2)}x (${(r.leastMs / 1000).toFixed(2)} s)`,
      "reference",
      true,
    );
    row("plan", "peak RSS", `${r.peakRssMb.toFixed(0)} MB`, "<= 300 MB", r.peakRssMb <= 300);
    row(
      "plan",
      "list requests / GET by id",
      `${r.listRequests} / ${r.getById}`,
      `${r.customers} / 0`,
      r.listRequests === r.customers && r.getById === 0,
    );
  }
}

heading("1b. plan cost");
{
  const run = await node("plan-cost-bench.mjs", [], { timeoutMs: 40 * 60_000 });
  const r = readResult(run.stdout);
  if (r === undefined) failed("plan cost", run);
  else {
    for (const l of r.latency)
      row(
        "plan cost",
        `latency 80+-40 ms, ${l.customers} customers: plan vs bare loop`,
        `${(l.planMs / 1000).toFixed(1)} s vs ${(l.floorMs / 1000).toFixed(1)} s = ${l.ratio.toFixed(3)}x`,
        "<= 1.05x",
        l.ratio <= 1.05,
      );
    const rf = r.refreshFalse;
    row(
      "plan cost",
      `--refresh=false, one new file among ${rf.orders} orders`,
      `${rf.lists} list requests, ${(rf.ms / 1000).toFixed(2)} s`,
      "<= 2 requests",
      rf.lists <= 2,
    );
    for (const c of r.cpu)
      row(
        "plan cost",
        `CPU per declared order at ${c.orders} orders`,
        `${c.perOrderUs.toFixed(1)} us`,
        "linear",
        true,
      );
    row(
      "plan cost",
      "CPU per order, large vs small",
      `${r.cpuGrowth.toFixed(2)}x`,
      "~1x (<= 1.5x)",
      r.cpuGrowth <= 1.5,
    );
    row(
      "plan cost",
      `peak RSS, ${r.memory.orders} orders / ${r.memory.customers} customers`,
      `${r.memory.peakRssMb.toFixed(0)} MB`,
      "<= 600 MB",
      r.memory.peakRssMb <= 600,
    );
  }
}

heading("2. apply under the limit");
{
  const run = await node("apply-bench.mjs", [], { timeoutMs: 20 * 60_000 });
  const r = readResult(run.stdout);
  if (r === undefined) failed("apply", run);
  else {
    row(
      "apply",
      `creates/min, ${r.orders} orders, limit ${r.limitPerMinute}`,
      `${r.createsPerMinute.toFixed(0)} (${(r.share * 100).toFixed(1)}%)`,
      ">= 90%",
      r.share >= 0.9,
    );
    row("apply", "429 answers", String(r.throttled), "(reported)", true);
    row("apply", "duplicates", String(r.duplicates), "0", r.duplicates === 0 && r.placed === r.orders);
  }
}

heading("3. validate at scale");
{
  const run = await node("validate-bench.mjs");
  const lines = run.stdout.split("\n");
  for (const line of lines) {
    const m = /^(end to end|parse only)\S*.*?(\d+) ms\s+(\d+) ms\s+([\d.]+)x/.exec(line);
    if (m)
      row(
        "validate",
        `${m[1]}: loadOrders vs yaml.parse`,
        `${m[3]} ms vs ${m[2]} ms = ${m[4]}x`,
        "<= 1.5x",
        Number(m[4]) <= 1.5,
      );
  }
  if (run.code !== 0 && !rows.some((r) => r.benchmark === "validate")) failed("validate", run);
}

heading("4. start-up");
{
  const run = await node("startup-bench.mjs");
  const r = readResult(run.stdout);
  if (r === undefined) failed("startup", run);
  else {
    row(
      "startup",
      "orderform --version vs node -e 0",
      `${r.versionMs.toFixed(0)} ms vs ${r.nodeMs.toFixed(0)} ms = ${r.versionRatio.toFixed(2)}x`,
      "<= 3x",
      r.versionRatio <= 3,
    );
    row(
      "startup",
      "validate (empty) vs node -e 0",
      `${r.validateMs.toFixed(0)} ms vs ${r.nodeMs.toFixed(0)} ms = ${r.validateRatio.toFixed(2)}x`,
      "<= 3x",
      r.validateRatio <= 3,
    );
  }
}

heading("5. state writes");
{
  const run = await node("state-write-bench.mjs");
  const sizes = [];
  for (const line of run.stdout.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length >= 8 && /^\d+$/.test(cells[0]))
      sizes.push({ size: Number(cells[0]), mean: Number(cells[3]) });
  }
  if (run.code !== 0 || sizes.length < 2) failed("state", run);
  else {
    const [small, large] = [sizes[0], sizes[sizes.length - 1]];
    const ratio = large.mean / small.mean;
    row(
      "state",
      `append at ${small.size} / ${large.size} orders`,
      `${small.mean.toFixed(2)} ms / ${large.mean.toFixed(2)} ms = ${ratio.toFixed(2)}x`,
      "flat (~1x)",
      ratio <= 2,
    );
  }
}

heading("6. state backends");
{
  const run = await node("state-backends-bench.mjs");
  const found = [
    ...run.stdout.matchAll(
      /^(\w+): append (\d+) vs (\d+) orders ([\d.]+)x \(flat ~1x\); commit at \d+ (\d+) ms/gm,
    ),
  ];
  if (run.code !== 0 || found.length === 0) failed("state backends", run);
  for (const [, backend, , , ratio, commitMs] of found) {
    row(`backend ${backend}`, "append 20,000 vs 100 orders", `${ratio}x`, "flat (<= 2x)", Number(ratio) <= 2);
    row(
      `backend ${backend}`,
      "commit at 20,000 orders",
      `${commitMs} ms`,
      "< 2000 ms",
      Number(commitMs) < 2000,
    );
  }
}

heading("7. generate at scale");
{
  const run = await node("generate-bench.mjs");
  const r = readResult(run.stdout);
  if (r === undefined) failed("generate", run);
  else {
    row(
      "generate",
      `wall, ${r.customers} customers / ${r.orders} orders, latency ${r.latencyMs} ms`,
      `${(r.generateMs / 1000).toFixed(2)} s vs floor ${(r.floorMs / 1000).toFixed(2)} s`,
      "",
      true,
    );
    row("generate", "ratio to floor", `${r.ratio.toFixed(2)}x`, "<= 1.1x", r.ratio <= 1.1);
  }
}

heading("8. crash soak");
if (process.env.BENCH_SKIP_SOAK === "1") row("crash soak", "runs", "skipped (BENCH_SKIP_SOAK=1)", "", true);
else {
  const run = await runStep("npx", ["vitest", "run", "test/e2e/crash.test.ts"], {
    env: { ORDERFORM_CRASH_RUNS: CRASH_RUNS },
    timeoutMs: SOAK_TIMEOUT_MS,
  });
  row(
    "crash soak",
    `${CRASH_RUNS} kill points`,
    run.code === 0 ? `passed in ${run.seconds.toFixed(0)} s` : `FAILED (exit ${run.code})`,
    "pass",
    run.code === 0,
  );
}

const widths = ["benchmark", "figure", "value", "target"].map((k) =>
  Math.max(k.length, ...rows.map((r) => String(r[k]).length)),
);
const format = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ");
console.log(`\n=== summary (node ${process.version}) ${"=".repeat(50)}`);
console.log(`${format(["benchmark", "figure", "value", "target"])} | ok`);
console.log(widths.map((w) => "-".repeat(w)).join("-|-") + "-|---");
for (const r of rows)
  console.log(`${format([r.benchmark, r.figure, r.value, r.target])} | ${r.pass ? "yes" : "NO"}`);
if (rows.some((r) => !r.pass)) process.exitCode = 1;
