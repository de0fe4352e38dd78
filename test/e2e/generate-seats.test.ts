/**
 * Seats changed after an order was placed, then declared by `generate` or `import` (docs/generate.md,
 * "Seats changed since the order was placed"): the built CLI against the sandbox. An order is
 * placed with apply, its subscription's seats are changed behind orderform's back (the sandbox's
 * admin API), and the state is deleted, as for a partner onboarding an estate. The declaration
 * must state the seats now, plan must be clean, and an edit must be a seat change from them.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  fetchJson,
  listSandboxOrders,
  useSandboxProject,
} from "./helpers.js";

const harness = useSandboxProject();
const NAME = "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p";
const FILE = "orders/generated/contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p.yaml";

/** Places contoso/seats with 7 seats, sets its subscription as given, and forgets the state and the file. */
async function placeThenChange(change: { quantity?: number; status?: string }): Promise<{
  orderId: string;
  subscriptionId: string;
}> {
  const { project, sandbox } = harness;
  await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7));
  const apply = await project.run(["apply", "--auto-approve"]);
  expect(apply.code, apply.stderr).toBe(0);
  const state = (await project.readState()) as {
    orders: Record<string, { orderId: string; remoteLineItems?: { subscriptionId?: string }[] }>;
  };
  const record = state.orders["contoso/seats"];
  const subscriptionId = record?.remoteLineItems?.[0]?.subscriptionId ?? "";
  expect(subscriptionId).not.toBe("");
  await fetchJson(`${sandbox.url}/_sandbox/subscriptions/${subscriptionId}`, {
    method: "PATCH",
    body: JSON.stringify(change),
    headers: { "content-type": "application/json" },
  });
  await rm(join(project.dir, "orderform.state.json"));
  await rm(join(project.dir, "orderform.state.json.history"), { recursive: true });
  await project.removeOrder("contoso.yaml");
  return { orderId: record?.orderId ?? "", subscriptionId };
}

async function setDeclaredQuantity(file: string, from: number, to: number): Promise<void> {
  const path = join(harness.project.dir, file);
  const text = await readFile(path, "utf8");
  expect(text).toContain(`quantity: ${from}\n`);
  await writeFile(path, text.replace(`quantity: ${from}\n`, `quantity: ${to}\n`));
}

describe("seats changed since the order was placed", () => {
  it("generate declares the subscription's seats now, plan is clean, and an edit is a seat change from them", async () => {
    const { project, sandbox } = harness;
    const { orderId, subscriptionId } = await placeThenChange({ quantity: 9 });

    const run = await project.run(["generate"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`+ ${FILE}  ${NAME}  (order ${orderId}, customer ${CONTOSO} (Contoso)`);
    expect(run.stdout).toContain(
      "seats changed since it was placed on 1 line item(s), declared as they are now",
    );
    const text = await readFile(join(project.dir, FILE), "utf8");
    expect(text).toContain("quantity: 9\n");
    expect(text).toContain("the order was placed with lineItems[0] x7.");

    const state = (await project.readState()) as {
      orders: Record<string, { applied: { lineItems: { quantity: number }[] }; seatChanges?: unknown[] }>;
    };
    const record = state.orders[NAME];
    // applied stays the order as placed; the seats now are an observed change, with no request id.
    expect(record?.applied.lineItems[0]?.quantity).toBe(7);
    expect(record?.seatChanges).toEqual([
      { lineItemNumber: 0, subscriptionId, from: 7, to: 9, observed: true, at: expect.any(String) as string },
    ]);
    const show = await project.run(["state", "show", NAME]);
    expect(show.stdout).toContain("x9 (placed as x7)");
    expect(show.stdout).toContain(
      `lineItems[0] 7 -> 9  subscription ${subscriptionId}  observed at import (changed outside orderform before it recorded the order; nothing sent)`,
    );
    const history = await project.run(["state", "history"]);
    expect(history.stdout).toContain("(seats observed on 1 line item(s))");
    expect(history.stdout).not.toContain("[seats:");

    expect((await project.run(["validate"])).code).toBe(0);
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain("changed outside orderform");

    await setDeclaredQuantity(FILE, 9, 10);
    const edited = await project.run(["plan", "--detailed-exitcode"]);
    expect(edited.code, edited.stdout + edited.stderr).toBe(2);
    expect(edited.stdout).toContain(`  ~ update ${NAME}`);
    expect(edited.stdout).toContain(`lineItems[0].quantity: 9 -> 10  subscription ${subscriptionId}`);
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code, apply.stderr).toBe(0);
    const after = await fetchJson<{ quantity: number }>(
      `${sandbox.url}/_sandbox/subscriptions/${subscriptionId}`,
    );
    expect(after.quantity).toBe(10);
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });

  it("generate declares a suspended subscription with its seats, and plan is clean", async () => {
    const { project } = harness;
    await placeThenChange({ quantity: 4, status: "suspended" });
    const run = await project.run(["generate"]);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(project.dir, FILE), "utf8")).toContain("quantity: 4\n");
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it("import binds a declaration of the seats now (not of the order's quantity) and records them as observed", async () => {
    const { project, sandbox } = harness;
    const { orderId, subscriptionId } = await placeThenChange({ quantity: 9 });
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7));

    const stale = await project.run(["import", "contoso/seats", orderId]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("lineItems[0].quantity: order has 9, declaration has 7");
    expect(stale.stderr).toContain("compared with its subscription's seats now");
    expect(await project.readState()).toBeNull();

    await setDeclaredQuantity("orders/contoso.yaml", 7, 9);
    const imported = await project.run(["import", "contoso/seats", orderId]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(
      `lineItems[0]: seats changed outside orderform since the order was placed (7 -> 9, subscription ${subscriptionId}); recorded as observed.`,
    );
    const history = await project.run(["state", "history"]);
    expect(history.stdout).toContain(
      `imported order ${orderId} as contoso/seats (seats observed: lineItems[0] 7 -> 9)`,
    );
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    await setDeclaredQuantity("orders/contoso.yaml", 9, 11);
    const edited = await project.run(["plan", "--detailed-exitcode"]);
    expect(edited.code, edited.stdout + edited.stderr).toBe(2);
    expect(edited.stdout).toContain("  ~ update contoso/seats");
    expect(edited.stdout).toContain(`lineItems[0].quantity: 9 -> 11  subscription ${subscriptionId}`);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });
});
