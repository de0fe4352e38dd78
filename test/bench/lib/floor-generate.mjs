// The floor for `orderform generate`: the same list requests and nothing else. One token request,
// then the partner's customers page by page (GET /v1/customers?size=100, following links.next with
// its MS-ContinuationToken header), then for each customer GET /v1/customers/{id}/orders and,
// after it, GET /v1/customers/{id}/subscriptions (generate reads the subscriptions of a customer
// with an order to declare, which is every customer of the benchmark), `concurrency` customers at a
// time over one undici Pool, bodies parsed and discarded. Its own process, so that it pays the same
// Node start-up as the CLI.
// argv: url concurrency
import { Pool } from "undici";
import { fetchSandboxToken } from "./sandbox-token.mjs";

const [url, concurrencyArg] = process.argv.slice(2);
const CONCURRENCY = Number(concurrencyArg);

const token = await fetchSandboxToken(url);
const pool = new Pool(url, { connections: CONCURRENCY * 2 });
const headers = { authorization: `Bearer ${token}`, accept: "application/json" };

const customers = [];
let path = "/v1/customers?size=100";
let continuation;
for (;;) {
  const { statusCode, body } = await pool.request({
    method: "GET",
    path,
    headers: continuation === undefined ? headers : { ...headers, "ms-continuationtoken": continuation },
  });
  const page = await body.json();
  if (statusCode !== 200) throw new Error(`customers page: ${statusCode}`);
  for (const item of page.items) customers.push(item.id);
  const next = page.links?.next;
  if (next === undefined) break;
  path = `/v1${next.uri}`;
  continuation = next.headers.find((h) => h.key === "MS-ContinuationToken")?.value;
}

let next = 0;
let failures = 0;
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= customers.length) return;
    for (const list of ["orders", "subscriptions"]) {
      const { statusCode, body } = await pool.request({
        method: "GET",
        path: `/v1/customers/${customers[i]}/${list}`,
        headers,
      });
      await body.json();
      if (statusCode !== 200) failures++;
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
await pool.close();
if (failures > 0) {
  console.error(`${failures} list requests failed`);
  process.exitCode = 1;
}
