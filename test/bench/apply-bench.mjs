// Apply under the limit (docs/performance.md): 1,000 creates across 50 customers against a
// sandbox (own process) enforcing its default 500 requests/minute keyed by partner, with the
// project configured the same (`rateLimit: { requestsPerMinute: 500, key: partner }`), so the
// limit binds for the whole run. Reports creates per minute against the limit (target >= 90%),
// the 429 answers the sandbox sent, and duplicates in the sandbox's own record (must be 0).
// The sandbox's subscription/license limits are off: 20 orders per customer exceed them.
// Takes about 2 minutes at the default size; BENCH_APPLY_ORDERS=200 shortens it.
// Run: npx tsc -p tsconfig.build.json && node test/bench/apply-bench.mjs
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CLI,
  LICENSE_OFFER,
  createCustomerId,
  createProject,
  diffStats,
  fetchJson,
  printResult,
  readSandboxStats,
  runNode,
  startSandboxProcess,
  sumStats,
} from "./lib/common.mjs";

const ORDERS = Number(process.env.BENCH_APPLY_ORDERS ?? 1000);
const CUSTOMERS = Math.min(50, ORDERS);
const LIMIT = 500;
const TARGET_SHARE = 0.9;
// Far from the other benchmarks' ids, so a mix-up would show as an unknown customer.
const customerId = (c) => createCustomerId(0x0a000000 + c);

const sandbox = await startSandboxProcess({
  rateLimitPerMinute: LIMIT,
  rateLimitKey: "partner",
  sandboxLimits: false,
});
let dir;
try {
  dir = await createProject(sandbox.url, ["rateLimit:", `  requestsPerMinute: ${LIMIT}`, "  key: partner"]);
  await fetchJson(
    `${sandbox.url}/_sandbox/customers`,
    "POST",
    Array.from({ length: CUSTOMERS }, (_, c) => ({ id: customerId(c), companyName: `Apply bench ${c}` })),
  );
  for (let i = 0; i < ORDERS; i += 1) {
    await writeFile(
      join(dir, "orders", `order-${i}.yaml`),
      `name: c${i % CUSTOMERS}/order-${i}
customer: ${customerId(i % CUSTOMERS)}
billingCycle: monthly
partnerOnRecordAttestationAccepted: true
lineItems:
  - offerId: "${LICENSE_OFFER}"
    quantity: ${(i % 20) + 1}
    termDuration: P1M
    attestationAccepted: true
    friendlyName: bench-${i}
`,
    );
  }

  const createdAt = [];
  let firstStartedAt;
  const before = await readSandboxStats(sandbox.url);
  const run = await runNode([CLI, "apply", "--auto-approve", "--json"], {
    cwd: dir,
    onLine: (line, at) => {
      if (line.includes('"order_started"')) firstStartedAt ??= at;
      else if (line.includes('"order_created"')) createdAt.push(at);
    },
  });
  const requests = diffStats(before, await readSandboxStats(sandbox.url));
  if (run.code !== 0)
    throw new Error(
      `apply failed (exit ${run.code}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`,
    );

  const { items } = await fetchJson(`${sandbox.url}/_sandbox/orders`);
  const perName = new Map();
  for (const item of items) {
    const key = item.order.lineItems[0]?.friendlyName ?? item.requestId;
    perName.set(key, (perName.get(key) ?? 0) + 1);
  }
  const duplicates = [...perName.values()].reduce((sum, n) => sum + n - 1, 0);
  const placed = perName.size;

  // Creates per minute from the first create sent to the last one confirmed, as the CLI streamed them.
  const spanMs = createdAt[createdAt.length - 1] - firstStartedAt;
  const createsPerMinute = (createdAt.length / spanMs) * 60_000;
  const share = createsPerMinute / LIMIT;
  const throttled = sumStats(requests, (_, status) => status === "429");
  const limited = sumStats(
    requests,
    (route) => route.startsWith("GET /v1/") || route.startsWith("POST /v1/"),
  );
  const limitedPerMinute = (limited / run.ms) * 60_000;

  console.log(
    `apply under the limit: ${ORDERS} creates across ${CUSTOMERS} customers, ${LIMIT}/min keyed by partner`,
  );
  console.log(
    `  wall ${(run.ms / 1000).toFixed(1)} s; ${createdAt.length} created in ${(spanMs / 1000).toFixed(1)} s = ${createsPerMinute.toFixed(0)}/min (${(share * 100).toFixed(1)}% of the limit, target >= ${TARGET_SHARE * 100}%)`,
  );
  console.log(
    `  order-route requests ${limited} over the whole run = ${limitedPerMinute.toFixed(0)}/min; 429 answers ${throttled}; orders in sandbox ${items.length} for ${placed} declared names; duplicates ${duplicates}`,
  );
  console.log(`  requests by route: ${JSON.stringify(requests)}`);
  const pass = share >= TARGET_SHARE && duplicates === 0 && placed === ORDERS && createdAt.length === ORDERS;
  printResult({
    benchmark: "apply",
    orders: ORDERS,
    customers: CUSTOMERS,
    limitPerMinute: LIMIT,
    createsPerMinute,
    share,
    throttled,
    duplicates,
    placed,
    wallMs: run.ms,
    pass,
  });
  if (!pass) process.exitCode = 1;
} finally {
  await sandbox.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
