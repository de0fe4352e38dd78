// GET /v1/customers/{id}/orders throughput of the sandbox with 1,000 orders in the store, and the
// time to seed 20,000 orders over 10,000 customers through the admin API.
// The sandbox runs in a child process (so client and server do not share one event loop), built
// from dist/: run `npx tsc -p tsconfig.build.json` first. Loopback only; bounded request count.
// Usage: node test/bench/sandbox-throughput.mjs [requests=20000] [connections=16]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { URLSearchParams, fileURLToPath } from "node:url";
import { Pool, fetch } from "undici";

const REQUESTS = Number(process.argv[2] ?? 20_000);
const CONNECTIONS = Number(process.argv[3] ?? 16);
const root = fileURLToPath(new URL("../../", import.meta.url));

const child = spawn(
  process.execPath,
  [`${root}dist/cli/main.js`, "sandbox", "--port", "0", "--rate-limit", "0", "--no-sandbox-limits"],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const [firstChunk] = await once(child.stdout, "data");
const url = /listening on (\S+)/.exec(String(firstChunk))?.[1];
if (url === undefined) throw new Error(`unexpected first line: ${String(firstChunk)}`);

async function json(method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const customerId = (i) => `${i.toString(16).padStart(8, "0")}-aaaa-4bbb-8ccc-000000000000`;
const order = {
  billingCycle: "monthly",
  lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K59S", quantity: 5 }],
};

// 1,000 orders over 100 customers: 10 orders per listed customer.
let t0 = performance.now();
await json(
  "POST",
  "/_sandbox/orders",
  Array.from({ length: 1000 }, (_, i) => ({ customer: customerId(i % 100), ...order })),
);
const seed1k = performance.now() - t0;

const tokenRes = await fetch(`${url}/00000000-0000-4000-8000-000000000001/oauth2/token`, {
  method: "POST",
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: "orderform-sandbox",
    client_secret: "sandbox-secret",
  }),
});
const { access_token: token } = await tokenRes.json();

const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
let next = 0;
let failures = 0;
async function worker() {
  while (next < REQUESTS) {
    const i = next++;
    const { statusCode, body } = await pool.request({
      method: "GET",
      path: `/v1/customers/${customerId(i % 100)}/orders`,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    await body.text();
    if (statusCode !== 200) failures++;
  }
}
// Warm-up, then the measured run.
await Promise.all(Array.from({ length: CONNECTIONS }, worker));
next = 0;
t0 = performance.now();
await Promise.all(Array.from({ length: CONNECTIONS }, worker));
const seconds = (performance.now() - t0) / 1000;
await pool.close();

// Bulk seeding as the plan benchmarks do it: 10,000 customers, then 20,000 orders.
await json("POST", "/_sandbox/reset");
t0 = performance.now();
await json(
  "POST",
  "/_sandbox/customers",
  Array.from({ length: 10_000 }, (_, i) => ({ id: customerId(i), companyName: `Customer ${i}` })),
);
const seedCustomers = performance.now() - t0;
t0 = performance.now();
await json(
  "POST",
  "/_sandbox/orders?compact=1",
  Array.from({ length: 20_000 }, (_, i) => ({ customer: customerId(i % 10_000), ...order })),
);
const seed20k = performance.now() - t0;

child.kill("SIGTERM");
await once(child, "exit");

const result = {
  benchmark: "sandbox-throughput",
  getOrdersRequests: REQUESTS,
  connections: CONNECTIONS,
  ordersInStore: 1000,
  failures,
  requestsPerSecond: Math.round(REQUESTS / seconds),
  seed1000OrdersMs: Math.round(seed1k),
  seed10000CustomersMs: Math.round(seedCustomers),
  seed20000OrdersMs: Math.round(seed20k),
};
console.log(JSON.stringify(result));
if (failures > 0) process.exitCode = 1;
