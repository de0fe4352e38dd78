// The least work any `orderform plan` must do, as a second reference beside the floor
// (floor-list.mjs): read every order file (without parsing it), read and JSON.parse the state
// file, then list every customer the state names and JSON.parse each answer. It validates nothing,
// plans nothing and prints nothing. Like orderform, it reads the order files on a worker thread
// while the main thread reads state and lists, which is the most overlap two cores allow.
// If this program is already above a ratio target, no implementation of plan can meet it on the
// machine that measured it: the figure separates what orderform adds from what the task costs.
// argv: projectDir url concurrency
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { Pool } from "undici";
import { fetchSandboxToken } from "./sandbox-token.mjs";

const [dir, url, concurrencyArg] = process.argv.slice(2);
const CONCURRENCY = Number(concurrencyArg);

const files = new Worker(
  `
  const { readdirSync, readFileSync } = require("node:fs");
  const { join } = require("node:path");
  const { parentPort, workerData } = require("node:worker_threads");
  let chars = 0;
  for (const entry of readdirSync(workerData, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) chars += readFileSync(join(entry.parentPath ?? entry.path, entry.name), "utf8").length;
  }
  parentPort.postMessage(chars);
  `,
  { eval: true, workerData: join(dir, "orders") },
);
const read = new Promise((resolve, reject) => {
  files.once("message", resolve);
  files.once("error", reject);
});

const state = JSON.parse(readFileSync(join(dir, "orderform.state.json"), "utf8"));
const customers = [...new Set(Object.values(state.orders).map((order) => order.customer))];

const token = await fetchSandboxToken(url);

const pool = new Pool(url, { connections: CONCURRENCY * 2 });
const lists = new Map();
let next = 0;
async function worker() {
  for (;;) {
    const customer = customers[next++];
    if (customer === undefined) return;
    // Both lists, as plan reads them for customers with placed orders (docs/planning.md).
    const [orders] = await Promise.all(
      ["orders", "subscriptions"].map(async (list) => {
        const { statusCode, body } = await pool.request({
          method: "GET",
          path: `/v1/customers/${customer}/${list}`,
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        });
        const answer = JSON.parse(await body.text());
        if (statusCode !== 200) throw new Error(`list ${list} of ${customer}: ${statusCode}`);
        return answer.items;
      }),
    );
    lists.set(customer, orders);
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
await pool.close();
const chars = await read;
if (chars === 0 || lists.size !== customers.length) throw new Error("least-plan read nothing");
