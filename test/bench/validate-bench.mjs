// Order loading benchmark: writes 20,000 small order files, then times loadOrders (discover,
// read, parse with positions, schema-validate, normalize, cross-file rules) against plain
// yaml.parse of the same files in the same process. Target: loadOrders <= 1.5x plain parsing.
// Two comparisons: end to end (both list and read the files) and parse only (texts in memory).
// Run: npx tsc -p tsconfig.build.json && node test/bench/validate-bench.mjs [files] [rounds]
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { createDefaultConfig } from "../../dist/config/defaults.js";
import { loadOrders } from "../../dist/manifests/load-orders.js";
import { parseOrderFile } from "../../dist/manifests/parse-order-file.js";

const FILES = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const TARGET = 1.5;
const CUSTOMERS = 100;

function createOrderText(i) {
  const customer = `${String(i % CUSTOMERS).padStart(8, "0")}-4c42-4b27-b17b-91a835d8686a`;
  return `# yaml-language-server: $schema=../../schemas/order.schema.json
name: c${i % CUSTOMERS}/order-${i}
customer: ${customer}
billingCycle: monthly
partnerOnRecordAttestationAccepted: true
lineItems:
  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P
    quantity: ${(i % 25) + 1}
    termDuration: P1M
    friendlyName: Seats ${i}
    attestationAccepted: true
    renewsTo: { termDuration: P1Y }
`;
}

async function writeCorpus(root) {
  for (let c = 0; c < CUSTOMERS; c += 1) await mkdir(join(root, "orders", `c${c}`), { recursive: true });
  const batch = [];
  for (let i = 0; i < FILES; i += 1) {
    batch.push(writeFile(join(root, "orders", `c${i % CUSTOMERS}`, `order-${i}.yaml`), createOrderText(i)));
    if (batch.length === 256) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

/** The baseline: list the same files, read them (64 at a time, as loadOrders does), yaml.parse each. */
async function parsePlain(dir) {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".yaml")).sort();
  let count = 0;
  for (let i = 0; i < files.length; i += 64) {
    const texts = await Promise.all(files.slice(i, i + 64).map((f) => readFile(join(dir, f), "utf8")));
    for (const text of texts) if (parse(text) !== null) count += 1;
  }
  return count;
}

async function time(fn) {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const root = await mkdtemp(join(tmpdir(), "orderform-validate-bench-"));
try {
  await writeCorpus(root);
  const dir = join(root, "orders");
  const loaded = { config: { ...createDefaultConfig(), orders: "orders" }, filepath: null, rootDir: root };

  // First call compiles the schema (once per process); reported apart, then warm rounds alternate.
  const cold = await time(() => loadOrders(loaded));
  if (cold.result.orders.length !== FILES || cold.result.diagnostics.length !== 0) {
    throw new Error(
      `expected ${FILES} valid orders, got ${cold.result.orders.length} and ${cold.result.diagnostics.length} diagnostics`,
    );
  }
  await parsePlain(dir);

  const e2e = { ours: [], plain: [] };
  for (let r = 0; r < ROUNDS; r += 1) {
    e2e.plain.push((await time(() => parsePlain(dir))).ms);
    e2e.ours.push((await time(() => loadOrders(loaded))).ms);
  }

  const texts = [];
  for (let i = 0; i < cold.result.files.length; i += 64) {
    texts.push(
      ...(await Promise.all(cold.result.files.slice(i, i + 64).map((f) => readFile(join(root, f), "utf8")))),
    );
  }
  const cpu = { ours: [], plain: [] };
  for (let r = 0; r < ROUNDS; r += 1) {
    cpu.plain.push((await time(() => texts.forEach((t) => parse(t)))).ms);
    cpu.ours.push((await time(() => texts.forEach((t, i) => parseOrderFile(t, cold.result.files[i])))).ms);
  }

  const rows = [
    ["end to end (list + read + parse)", median(e2e.plain), median(e2e.ours)],
    ["parse only (texts in memory)", median(cpu.plain), median(cpu.ours)],
  ];
  console.log(
    `orderform validate benchmark: ${FILES} order files, median of ${ROUNDS} rounds, node ${process.version}`,
  );
  console.log(`first loadOrders call (includes schema compilation): ${cold.ms.toFixed(0)} ms`);
  console.log("");
  console.log(
    `${"comparison".padEnd(34)} ${"yaml.parse".padStart(11)} ${"loadOrders".padStart(11)} ${"ratio".padStart(7)}`,
  );
  let worst = 0;
  for (const [label, plain, ours] of rows) {
    const ratio = ours / plain;
    worst = Math.max(worst, ratio);
    console.log(
      `${label.padEnd(34)} ${`${plain.toFixed(0)} ms`.padStart(11)} ${`${ours.toFixed(0)} ms`.padStart(11)} ${`${ratio.toFixed(2)}x`.padStart(7)}`,
    );
  }
  console.log("");
  console.log(
    `${worst <= TARGET ? "PASS" : "FAIL"}: worst ratio ${worst.toFixed(2)}x (target <= ${TARGET}x)`,
  );
  process.exitCode = worst <= TARGET ? 0 : 1;
} finally {
  await rm(root, { recursive: true, force: true });
}
