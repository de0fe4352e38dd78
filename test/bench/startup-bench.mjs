// Start-up (docs/performance.md): `orderform --version` and `orderform validate` on an empty
// project against `node -e 0`, each a fresh process, interleaved, median of many runs.
// Target: at most 3x `node -e 0` (command modules load lazily).
// Run: npm run build && node test/bench/startup-bench.mjs [runs=30]   (the bundled CLI; tsc alone leaves
// an unbundled dist/cli/main.js, which runs but starts slower: docs/performance.md)
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, createCliEnv, median, printResult, runNode } from "./lib/common.mjs";

const RUNS = Number(process.argv[2] ?? 30);
const TARGET = 3;

const dir = await mkdtemp(join(tmpdir(), "orderform-startup-bench-"));
try {
  await mkdir(join(dir, "orders"));
  const env = createCliEnv();
  const cases = [
    { label: "node -e 0", args: ["-e", "0"] },
    { label: "orderform --version", args: [CLI, "--version"] },
    { label: "orderform validate (empty project)", args: [CLI, "validate"] },
  ];
  const times = cases.map(() => []);
  for (let r = -2; r < RUNS; r += 1) {
    for (const [i, c] of cases.entries()) {
      const run = await runNode(c.args, { cwd: dir, env });
      if (run.code !== 0) throw new Error(`${c.label} exited ${run.code}: ${run.stdout}${run.stderr}`);
      if (r >= 0) times[i].push(run.ms); // the first two rounds warm the page cache
    }
  }
  const medians = times.map(median);
  const base = medians[0];
  console.log(`start-up: median of ${RUNS} fresh processes each, node ${process.version}`);
  const rows = cases.map((c, i) => ({ label: c.label, ms: medians[i], ratio: medians[i] / base }));
  for (const row of rows)
    console.log(`  ${row.label.padEnd(36)} ${row.ms.toFixed(0).padStart(5)} ms  ${row.ratio.toFixed(2)}x`);
  const worst = Math.max(rows[1].ratio, rows[2].ratio);
  const pass = worst <= TARGET;
  console.log(`  ${pass ? "PASS" : "FAIL"}: worst ${worst.toFixed(2)}x (target <= ${TARGET}x)`);
  printResult({
    benchmark: "startup",
    nodeMs: base,
    versionMs: medians[1],
    validateMs: medians[2],
    versionRatio: rows[1].ratio,
    validateRatio: rows[2].ratio,
    pass,
  });
  if (!pass) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
