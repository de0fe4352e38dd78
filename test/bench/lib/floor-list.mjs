// The floor for `orderform plan`: the least a program can do to read the same customers' order
// and subscription lists. One token request, then GET /v1/customers/{id}/orders and
// /v1/customers/{id}/subscriptions together for each customer (as plan reads them for customers
// with placed orders: docs/planning.md), `concurrency` customers at a time over one undici Pool,
// bodies read as text and discarded. Run as its own process so
// that it pays the same Node start-up as the CLI.
// argv: url customers concurrency [firstIndex=0]
import { Pool } from "undici";
import { createCustomerId } from "./common.mjs";
import { fetchSandboxToken } from "./sandbox-token.mjs";

const [url, customersArg, concurrencyArg] = process.argv.slice(2);
const CUSTOMERS = Number(customersArg);
const CONCURRENCY = Number(concurrencyArg);

const token = await fetchSandboxToken(url);

const pool = new Pool(url, { connections: CONCURRENCY * 2 });
let next = 0;
let failures = 0;
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= CUSTOMERS) return;
    const customer = createCustomerId(i);
    await Promise.all(
      ["orders", "subscriptions"].map(async (list) => {
        const { statusCode, body } = await pool.request({
          method: "GET",
          path: `/v1/customers/${customer}/${list}`,
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        });
        await body.text();
        if (statusCode !== 200) failures++;
      }),
    );
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
await pool.close();
if (failures > 0) {
  console.error(`${failures} list requests failed`);
  process.exitCode = 1;
}
