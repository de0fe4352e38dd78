/**
 * The state commands around apply, end to end: the built CLI against a real sandbox over loopback.
 * History keeps every version and diffs two; import records an existing order that matches its
 * declaration and refuses one that does not; a pending intent is safe from state rm and import, and
 * the next apply resumes it once. The sandbox's own record of orders is checked for duplicates.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  CONTOSO,
  LEGACY_OFFER,
  TAILSPIN,
  createOrderYaml,
  fetchJson,
  listSandboxOrders as listOrdersOf,
  setSandboxFaults,
  useSandboxProject,
  writeStandardOrders,
  type AdminOrder,
} from "./helpers.js";

const listSandboxOrders = (url = env.sandbox.url): Promise<AdminOrder[]> => listOrdersOf(url);
const setFaults = (faults: object): Promise<void> => setSandboxFaults(env.sandbox.url, faults);

const env = useSandboxProject();
beforeEach(async () => {
  await writeStandardOrders(env.project);
});

describe("state commands beside apply", () => {
  it("keeps every state version in history and diffs two of them", async () => {
    expect((await env.project.run(["apply", "--auto-approve"])).code).toBe(0);
    await env.project.writeOrder("more.yaml", createOrderYaml("contoso/legacy", CONTOSO, LEGACY_OFFER, 2));
    expect((await env.project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await env.project.run(["state", "rm", "tailspin/legacy"])).code).toBe(0);

    const history = await env.project.run(["state", "history", "--json"]);
    const entries = JSON.parse(history.stdout) as { serial: number; command: string; summary: string }[];
    expect(entries.map((e) => e.serial)).toEqual([1, 2, 3]);
    expect(entries.map((e) => e.command)).toEqual(["apply", "apply", "state rm tailspin/legacy"]);

    const diff = await env.project.run(["state", "diff", "1", "2"]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain("--- serial 1");
    expect(diff.stdout).toContain("+++ serial 2");
    expect(diff.stdout).toMatch(/^\+ {4}"contoso\/legacy": \{/m);
    const rmDiff = await env.project.run(["state", "diff"]);
    expect(rmDiff.stdout).toMatch(/^- {4}"tailspin\/legacy": \{/m);

    // state rm cancels nothing: the order is still there, and plan now reports it to create again.
    expect(await listSandboxOrders()).toHaveLength(4);
    const list = await env.project.run(["state", "list"]);
    expect(list.stdout).not.toContain("tailspin/legacy");
  });

  it("imports an existing order that matches the declaration, and refuses one that does not", async () => {
    const inserted = await fetchJson<{ items: { order: { id: string } }[] }>(
      `${env.sandbox.url}/_sandbox/orders`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          {
            customer: TAILSPIN,
            order: {
              billingCycle: "monthly",
              lineItems: [{ lineItemNumber: 0, offerId: LEGACY_OFFER, quantity: 3 }],
            },
          },
          {
            customer: TAILSPIN,
            order: {
              billingCycle: "monthly",
              lineItems: [{ lineItemNumber: 0, offerId: LEGACY_OFFER, quantity: 9 }],
            },
          },
        ]),
      },
    );
    const [matching, other] = inserted.items.map((i) => i.order.id);
    const refused = await env.project.run(["import", "tailspin/legacy", other ?? ""]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("lineItems[0].quantity: order has 9, declaration has 3");
    const imported = await env.project.run(["import", "tailspin/legacy", matching ?? ""]);
    expect(imported.code).toBe(0);
    const state = (await env.project.readState()) as {
      orders: Record<string, { orderId: string; origin: string }>;
    };
    expect(state.orders["tailspin/legacy"]).toMatchObject({ orderId: matching, origin: "imported" });
    const plan = await env.project.run(["plan"]);
    expect(plan.stdout).toContain("Plan: 2 to create, 0 to resume, 1 unchanged.");
  });

  it("keeps a pending intent safe: state rm and import refuse it, and the next apply resumes it once", async () => {
    // A slow POST, and the run killed right after its first intent was recorded.
    await setFaults({
      latency: { fixedMs: 3000, jitterMs: 0, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const child = env.project.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes('"order_started"')) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.on("close", resolve));
    await setFaults({});

    // The killed run's lock is taken over by the next command (its holder is gone from this host).
    const locked = await env.project.run(["state", "rm", "contoso/seats"]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain("took over the state lock");

    const list = await env.project.run(["state", "list"]);
    const pendingName = /^(\S+) \(pending\)$/m.exec(list.stdout)?.[1];
    expect(pendingName).toBeDefined();
    const rm = await env.project.run(["state", "rm", pendingName ?? ""]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain("pending create");
    expect(rm.stderr).toContain(`state rm ${pendingName} --force`);
    const imported = await env.project.run(["import", pendingName ?? "", "000000000000"]);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain("pending create");

    const resumed = await env.project.run(["apply", "--auto-approve"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("to resume");
    const orders = await listSandboxOrders();
    expect(orders).toHaveLength(3);
    expect(new Set(orders.map((o) => o.requestId)).size).toBe(3);
  });
});
