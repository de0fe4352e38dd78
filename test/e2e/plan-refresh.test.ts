/**
 * plan --refresh=false and --refresh-only end to end (docs/planning.md, "Refresh"): the built CLI
 * against a real sandbox over loopback, counting the list requests the sandbox received
 * (GET /_sandbox/stats) and checking its own record of orders: neither flag ever buys, and a plan
 * that trusted the state still buys each declared order exactly once when applied.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  FABRIKAM,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  fetchJson,
  listSandboxOrders,
  resetSandbox,
  writeStandardOrders,
  type TestProject,
} from "./helpers.js";

interface PlanDocument {
  refresh?: string;
  actions: { kind: string; name: string; customer: string; seen?: string }[];
  summary: Record<string, number>;
  diagnostics: unknown[];
}

let sandbox: RunningSandbox;
let project: TestProject;

/** Requests per route template the sandbox answered since the last reset of its counters. */
async function readListRequests(): Promise<{ orders: number; subscriptions: number; total: number }> {
  const stats = await fetchJson<{ total: number; routes: Record<string, Record<string, number>> }>(
    `${sandbox.url}/_sandbox/stats`,
  );
  const sum = (route: string): number => Object.values(stats.routes[route] ?? {}).reduce((a, b) => a + b, 0);
  return {
    orders: sum("GET /v1/customers/{customerId}/orders"),
    subscriptions: sum("GET /v1/customers/{customerId}/subscriptions"),
    total: stats.total,
  };
}

/** Runs `plan ARGS` and returns its result with the list requests it made. */
async function runPlan(args: string[]) {
  const before = await readListRequests();
  const result = await project.run(["plan", ...args]);
  const after = await readListRequests();
  return {
    ...result,
    lists: {
      orders: after.orders - before.orders,
      subscriptions: after.subscriptions - before.subscriptions,
    },
  };
}

async function cancelOutsideOrderform(name: string): Promise<string> {
  const state = (await project.readState()) as { orders: Record<string, { orderId: string }> };
  const orderId = state.orders[name]?.orderId ?? "";
  await fetchJson(`${sandbox.url}/_sandbox/orders/${encodeURIComponent(orderId)}`, {
    method: "PATCH",
    body: JSON.stringify({ status: "cancelled" }),
    headers: { "content-type": "application/json" },
  });
  return orderId;
}

beforeAll(async () => {
  // Orders complete at once, so that a second apply confirms every record (status completed).
  sandbox = await startSandbox({ port: 0, provisioningDelayMs: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  // Records older than the visibility window and completed are confirmed: --refresh=false trusts them.
  project = await createTestProject(sandbox.url, "visibilityWindow: 1ms");
  await writeStandardOrders(project);
  for (let run = 0; run < 2; run += 1) {
    const applied = await project.run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(0);
  }
  // The tailspin order is changed outside orderform: a full plan reports it, --refresh=false does not look.
  await cancelOutsideOrderform("tailspin/legacy");
});
afterEach(async () => {
  await project.cleanup();
});

describe("plan --refresh=false", () => {
  it("lists only the customer with a new order, says drift was not checked, and its saved plan buys the order once", async () => {
    await project.writeOrder(
      "fabrikam-extra.yaml",
      createOrderYaml("fabrikam/extra", FABRIKAM, LICENSE_OFFER, 2),
    );

    const result = await runPlan(["--refresh=false", "--detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    // One customer: its order list and its subscriptions (it has placed records), nothing else.
    expect(result.lists).toEqual({ orders: 1, subscriptions: 1 });
    expect(result.stdout).toContain("+ create fabrikam/extra");
    expect(result.stdout).toContain(
      "Drift was not checked (--refresh=false): only the customers with changes were listed; 2 orders of the others are trusted as recorded in state.",
    );
    expect(result.stdout).not.toContain("changed outside orderform");
    expect(result.stdout).toContain("Plan: 1 to create, 0 to resume, 3 unchanged.");

    const json = await runPlan(["--refresh=false", "--format", "json", "--out", "pr.plan.json"]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanDocument;
    expect(plan.refresh).toBe("skipped");
    expect(plan.summary).toMatchObject({ create: 1, noop: 3, drift: 0 });
    // Sorted by customer id: fabrikam (listed), contoso and tailspin (trusted as recorded).
    expect(plan.actions.map((a) => [a.name, a.kind, a.seen ?? ""])).toEqual([
      ["fabrikam/extra", "create", ""],
      ["fabrikam/seats", "no-op", "listed"],
      ["contoso/seats", "no-op", "not-checked"],
      ["tailspin/legacy", "no-op", "not-checked"],
    ]);
    const saved = JSON.parse(await readFile(join(project.dir, "pr.plan.json"), "utf8")) as PlanDocument;
    expect(saved.refresh).toBe("skipped");

    const markdown = await runPlan(["--refresh=false", "--format", "markdown"]);
    expect(markdown.stdout).toContain("> [!NOTE]\n> Drift was not checked (--refresh=false)");

    const applied = await project.run(["apply", "--auto-approve", "pr.plan.json"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const orders = await listSandboxOrders(sandbox.url);
    expect(orders).toHaveLength(4);
    expect(orders.filter((o) => o.customerId === FABRIKAM)).toHaveLength(2);

    // Nothing left to buy. The new record is pending until a list confirms it, so its customer is
    // still listed; once a full plan's apply recorded it completed, --refresh=false lists nobody.
    const after = await runPlan(["--refresh=false", "--detailed-exitcode"]);
    expect(after.code).toBe(0);
    expect(after.lists).toEqual({ orders: 1, subscriptions: 1 });
    expect(after.stdout).toContain("No changes.");
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const quiet = await runPlan(["--refresh=false", "--detailed-exitcode"]);
    expect(quiet.code).toBe(0);
    expect(quiet.lists).toEqual({ orders: 0, subscriptions: 0 });
    expect(quiet.stdout).toContain("4 orders of the others are trusted as recorded in state.");
    const full = await runPlan(["--refresh=true"]);
    expect(full.code).toBe(0);
    expect(full.lists.orders).toBe(3);
    expect(full.stdout).toContain("! drift tailspin/legacy");
  });

  it("lists the customer whose seats are edited, and plans the seat change", async () => {
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9));
    const result = await runPlan(["--refresh=false", "--format", "json"]);
    expect(result.stderr).toBe("");
    const plan = JSON.parse(result.stdout) as PlanDocument;
    const contoso = plan.actions.find((a) => a.name === "contoso/seats");
    expect(contoso?.kind).toBe("update");
    expect(result.lists).toEqual({ orders: 1, subscriptions: 1 });
    expect(plan.actions.find((a) => a.name === "tailspin/legacy")?.seen).toBe("not-checked");
  });
});

describe("apply --refresh=false", () => {
  it("lists only the customer with work, buys the new order exactly once, and is refused with a saved plan", async () => {
    await project.writeOrder(
      "fabrikam-extra.yaml",
      createOrderYaml("fabrikam/extra", FABRIKAM, LICENSE_OFFER, 2),
    );
    const before = await readListRequests();
    const applied = await project.run(["apply", "--auto-approve", "--refresh=false"]);
    const after = await readListRequests();
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("+ create fabrikam/extra");
    expect(applied.stdout).toContain("Drift was not checked (--refresh=false)");
    expect(applied.stdout).not.toContain("changed outside orderform");
    // Fabrikam's orders and subscriptions, read once for the plan made inside the lock; the
    // cancelled tailspin order and contoso are trusted as recorded.
    expect(after.orders - before.orders).toBe(1);
    expect(after.subscriptions - before.subscriptions).toBe(1);
    const fabrikam = (await listSandboxOrders(sandbox.url)).filter((o) => o.customerId === FABRIKAM);
    expect(fabrikam).toHaveLength(2);

    // Again: the new record is pending, so fabrikam is listed again and nothing is bought.
    const again = await project.run(["apply", "--auto-approve", "--refresh=false"]);
    expect(again.code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(4);
    const state = (await project.readState()) as { orders: Record<string, { orderId: string }> };
    expect(state.orders["fabrikam/extra"]?.orderId).toBe(
      fabrikam.find((o) => o.order.id !== state.orders["fabrikam/seats"]?.orderId)?.order.id,
    );

    const saved = await project.run(["plan", "--out", "full.plan.json"]);
    expect(saved.code).toBe(0);
    const refused = await project.run(["apply", "--auto-approve", "--refresh=false", "full.plan.json"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("apply.plan-flags");
    expect(refused.stderr).toContain("--refresh shape a plan");
  });
});

describe("plan --refresh-only", () => {
  it("lists every customer and reports drift alone: no create, no update, exit 2 with --detailed-exitcode", async () => {
    await project.writeOrder(
      "fabrikam-extra.yaml",
      createOrderYaml("fabrikam/extra", FABRIKAM, LICENSE_OFFER, 2),
    );
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9));

    const result = await runPlan(["--refresh-only", "--detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    expect(result.lists.orders).toBe(3);
    expect(result.stdout).toContain("! drift tailspin/legacy");
    expect(result.stdout).not.toMatch(/^ {2}[+~] /m);
    expect(result.stdout).toContain("Refresh-only (--refresh-only)");
    expect(result.stdout).toContain("Drift: 1 order changed outside orderform, 2 unchanged.");

    const json = await runPlan(["--refresh-only", "--json", "--out", "drift.plan.json"]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanDocument;
    expect(plan.refresh).toBe("only");
    expect(plan.summary).toEqual({
      create: 0,
      update: 0,
      resume: 0,
      noop: 2,
      drift: 1,
      conflict: 0,
      undeclared: 0,
    });
    expect(plan.actions.map((a) => a.kind).sort()).toEqual(["drift", "no-op", "no-op"]);

    const markdown = await runPlan(["--refresh-only", "--format", "markdown"]);
    expect(markdown.stdout).toContain("**Drift: 1 changed outside orderform, 2 unchanged.**");

    // Applying a refresh-only plan buys nothing, as `terraform apply -refresh-only` changes no resource.
    const applied = await project.run(["apply", "--auto-approve", "drift.plan.json"]);
    expect(applied.code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);
    const state = (await project.readState()) as { orders: Record<string, unknown> };
    expect(Object.keys(state.orders).sort()).toEqual(["contoso/seats", "fabrikam/seats", "tailspin/legacy"]);
  });

  it("says no drift and exits 0 when Partner Center matches the state", async () => {
    await project.run(["state", "rm", "tailspin/legacy"]);
    await project.removeOrder("tailspin.yaml");
    const result = await runPlan(["--refresh-only", "--detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No drift. 2 orders match what Partner Center shows.");
  });

  it("is refused next to --refresh, --replace or --allow-duplicate, and --refresh takes true or false only", async () => {
    for (const extra of [["--refresh=false"], ["--replace", "contoso/seats"], ["--allow-duplicate", "x"]]) {
      const result = await project.run(["plan", "--refresh-only", ...extra]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("cannot be used with");
    }
    const bad = await project.run(["plan", "--refresh=maybe"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Allowed choices are true, false");
  });
});
