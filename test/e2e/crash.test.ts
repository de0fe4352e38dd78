/**
 * The crash test (docs/exactly-once.md): apply is killed with SIGKILL at random moments (before the POST, during
 * it, after the server committed, during a state write), then re-run until it reports no changes.
 * The sandbox runs in this test process, so it survives the kills like Partner Center would, and its
 * own record of orders is the judge: exactly one order per declaration, every one recorded in state.
 *
 * ORDERFORM_CRASH_RUNS sets the number of randomized runs (default 8 for a quick `npm test`; `.ci/run`
 * sets 50 and `npm run bench` soaks longer).
 * Each run's seed is in its title so a failure can be replayed with ORDERFORM_CRASH_SEED.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import { createRandom } from "../../src/sandbox/faults.js";
import {
  CONTOSO,
  FABRIKAM,
  LEGACY_OFFER,
  LICENSE_OFFER,
  TAILSPIN,
  createOrderYaml,
  createTestProject,
  fetchJson,
  type AdminOrder,
  type RunResult,
  type TestProject,
} from "./helpers.js";

const RUNS = Number(process.env.ORDERFORM_CRASH_RUNS ?? 8);
const FIRST_SEED = Number(process.env.ORDERFORM_CRASH_SEED ?? 1);

const DECLARATIONS = [
  { file: "contoso-a.yaml", name: "contoso/a", customer: CONTOSO, offer: LEGACY_OFFER, quantity: 3 },
  { file: "contoso-b.yaml", name: "contoso/b", customer: CONTOSO, offer: LICENSE_OFFER, quantity: 5 },
  { file: "tailspin.yaml", name: "tailspin/a", customer: TAILSPIN, offer: LEGACY_OFFER, quantity: 2 },
  { file: "fabrikam.yaml", name: "fabrikam/a", customer: FABRIKAM, offer: LICENSE_OFFER, quantity: 4 },
];

let sandbox: RunningSandbox;
/** Where the first kill landed, from the journal it left: shows the test reaches every window. */
const killPoints = new Map<string, number>();

async function classifyKill(project: TestProject): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const journal = await readFile(`${project.dir}/orderform.state.json.journal`, "utf8").catch(() => null);
  if (journal === null) {
    return (await project.readState()) === null ? "before the first intent" : "after the final commit";
  }
  const records = journal
    .split("\n")
    .filter((line) => line.startsWith('{"type"'))
    .map(
      (line) =>
        JSON.parse(line) as { type: string; intent?: { requestId: string }; order?: { requestId: string } },
    );
  const intents = records.filter((r) => r.type === "intent").map((r) => r.intent?.requestId);
  const created = new Set(records.filter((r) => r.type === "created").map((r) => r.order?.requestId));
  const inFlight = intents.filter((id) => !created.has(id));
  if (intents.length === 0) return "before the first intent";
  if (inFlight.length > 0) {
    const committed = new Set(
      (await fetchJson<{ items: AdminOrder[] }>(`${sandbox.url}/_sandbox/orders`)).items.map(
        (o) => o.requestId,
      ),
    );
    return inFlight.some((id) => committed.has(id ?? ""))
      ? "after the server committed an order, before its id was recorded"
      : "after an intent was recorded, before the server committed the order";
  }
  return intents.length < DECLARATIONS.length ? "between orders" : "after the last order, before the commit";
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, sandboxLimits: false, rateLimitPerMinute: 0 });
});
afterAll(async () => {
  await sandbox.close();
  console.log(
    `crash test: where the first SIGKILL landed over ${RUNS} runs:\n${[...killPoints].map(([k, n]) => `  ${n}  ${k}`).join("\n")}`,
  );
});

/**
 * Runs `apply --json` and kills it with SIGKILL at a random moment. The moment is chosen by progress,
 * not only by wall time, so kills spread over every window whatever the machine's speed: after the
 * k-th event line (k random; 0 = during start-up) plus a random delay. Events come right after the
 * journal append they report (order_started: intent recorded, POST next; order_created: id recorded),
 * and the summary comes right before the final commit.
 */
async function runKilledApply(project: TestProject, random: () => number): Promise<RunResult> {
  const child = project.spawn(["apply", "--auto-approve", "--json"]);
  const afterEvents = Math.floor(random() * (2 * DECLARATIONS.length + 2));
  const delayMs = afterEvents === 0 ? random() * 700 : random() * 160;
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer ??= setTimeout(() => child.kill("SIGKILL"), delayMs);
  };
  if (afterEvents === 0) arm();
  child.stdout?.on("data", (chunk: Buffer) => {
    seen += chunk.toString().split("\n").length - 1;
    if (seen >= afterEvents) arm();
  });
  await new Promise((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  return child.output();
}

/** Re-runs apply until it succeeds, breaking the lock of a killed run the way a user would. */
async function runApplyUntilClean(project: TestProject, random: () => number, log: string[]): Promise<void> {
  for (let attempt = 0; attempt < 12; attempt += 1) {
    // Sometimes the recovery run is killed too: a crash while resuming must be as safe.
    if (attempt < 2 && random() < 0.3) {
      const killed = await runKilledApply(project, random);
      log.push(`recovery ${attempt}: killed (${killed.signal ?? killed.code})`);
      await breakStaleLock(project, killed, log);
      continue;
    }
    const result = await project.run(["apply", "--auto-approve"]);
    log.push(`recovery ${attempt}: exit ${result.code}`);
    if (result.code === 0) return;
    if (await breakStaleLock(project, result, log)) continue;
    log.push(result.stdout.slice(-800), result.stderr.slice(-800));
  }
  throw new Error(`apply never completed:\n${log.join("\n")}`);
}

async function breakStaleLock(project: TestProject, result: RunResult, log: string[]): Promise<boolean> {
  let lockId = /orderform force-unlock ([0-9a-f-]{36})/.exec(result.stderr)?.[1];
  if (lockId === undefined) {
    // The killed run printed nothing about locks; ask the next run whether it left one.
    const probe = await project.run(["apply", "--auto-approve", "--lock-timeout", "0s"]);
    if (probe.code === 0) return true;
    lockId = /orderform force-unlock ([0-9a-f-]{36})/.exec(probe.stderr)?.[1];
    if (lockId === undefined) return false;
  }
  const unlocked = await project.run(["force-unlock", lockId]);
  log.push(`force-unlock ${lockId}: exit ${unlocked.code}`);
  return unlocked.code === 0;
}

describe("apply killed at random moments never buys twice and never loses an order", () => {
  const seeds = Array.from({ length: RUNS }, (_, i) => FIRST_SEED + i);
  it.each(seeds)("run with seed %i", async (seed) => {
    const random = createRandom(seed);
    await fetchJson(`${sandbox.url}/_sandbox/reset`, { method: "POST" });
    await fetchJson(`${sandbox.url}/_sandbox/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        seed,
        // Slow POSTs widen the windows "during the POST" and "after the commit, before the answer".
        latency: { fixedMs: 20, jitterMs: 120, route: { method: "POST" } },
        commitThenDrop: { probability: 0.15, route: { method: "POST" } },
      }),
    });
    const project = await createTestProject(sandbox.url);
    const log: string[] = [];
    try {
      for (const d of DECLARATIONS)
        await project.writeOrder(d.file, createOrderYaml(d.name, d.customer, d.offer, d.quantity));

      const first = await runKilledApply(project, random);
      const point = first.signal === "SIGKILL" ? await classifyKill(project) : "not killed: finished first";
      killPoints.set(point, (killPoints.get(point) ?? 0) + 1);
      log.push(`first run (${point}): ${first.signal ?? `exit ${first.code}`}`);
      await breakStaleLock(project, first, log);
      await runApplyUntilClean(project, random, log);

      await fetchJson(`${sandbox.url}/_sandbox/faults`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const plan = await project.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, `${plan.stdout}\n${plan.stderr}\n${log.join("\n")}`).toBe(0);

      const orders = (await fetchJson<{ items: AdminOrder[] }>(`${sandbox.url}/_sandbox/orders`)).items;
      const state = (await project.readState()) as {
        orders: Record<string, { orderId: string; customer: string }>;
        pending: object;
      };
      expect(state.pending).toEqual({});
      for (const d of DECLARATIONS) {
        const placed = orders.filter(
          (o) =>
            o.customerId === d.customer &&
            o.order.lineItems[0]?.quantity === d.quantity &&
            o.order.lineItems[0]?.offerId.toLowerCase() === d.offer.toLowerCase(),
        );
        expect(placed, `${d.name}: ${log.join("\n")}`).toHaveLength(1);
        expect(state.orders[d.name]?.orderId).toBe(placed[0]?.order.id);
      }
      expect(orders).toHaveLength(DECLARATIONS.length);
      // The state file is valid: the CLI reads (and schema-checks) it.
      const shown = await project.run(["show", "--json"]);
      expect(shown.code).toBe(0);
    } finally {
      await project.cleanup();
    }
  });
});
