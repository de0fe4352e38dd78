/**
 * Guardrails and the cancellation window end to end: the built CLI against a real sandbox over
 * loopback. Every limit test checks the sandbox's own record of orders: a plan or apply that
 * passes a limit buys nothing.
 */
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  fetchJson,
  listSandboxOrders,
  resetSandbox,
  writeStandardOrders,
  type TestProject,
} from "./helpers.js";

let sandbox: RunningSandbox;
let project: TestProject;

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

async function setLimits(text: string): Promise<void> {
  const path = join(project.dir, "orderform.config.yaml");
  const config = (await readFile(path, "utf8")).replace(/^limits:\n( {2}.*\n)+/m, "");
  await writeFile(path, config);
  if (text !== "") await appendFile(path, `limits:\n${text}`);
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  project = await createTestProject(sandbox.url);
  await writeStandardOrders(project);
});
afterEach(async () => {
  await project.cleanup();
});

describe("limits", () => {
  it("maxQuantityPerLineItem: plan and apply fail naming the limit and the declaration, buy nothing; raising it plans clean", async () => {
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 700));
    await setLimits("  maxQuantityPerLineItem: 500\n");

    const plan = await project.run(["plan", "--out", "plan.json"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(
      `Error: order "contoso/seats" declares 700 x ${LICENSE_OFFER} in lineItems[0].quantity: limits.maxQuantityPerLineItem is 500 [plan.limit-exceeded] (orders/contoso.yaml:1:1)`,
    );
    expect(plan.stdout).toContain(
      "raise limits.maxQuantityPerLineItem in the config in the same reviewed change (no flag overrides a limit)",
    );
    expect(plan.stderr).toContain("The plan has errors, so it was not saved to plan.json");

    const json = JSON.parse((await project.run(["plan", "--json"])).stdout) as {
      diagnostics: { code: string; severity: string; file?: string }[];
    };
    expect(json.diagnostics).toEqual([
      expect.objectContaining({
        code: "plan.limit-exceeded",
        severity: "error",
        file: "orders/contoso.yaml",
      }),
    ]);

    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).toContain("limits.maxQuantityPerLineItem is 500");
    expect(await listSandboxOrders(sandbox.url)).toEqual([]);
    expect((await project.readState()) ?? { orders: {} }).toMatchObject({ orders: {} });

    await setLimits("  maxQuantityPerLineItem: 700\n");
    const raised = await project.run(["plan", "--detailed-exitcode"]);
    expect(raised.stderr).toBe("");
    expect(raised.code).toBe(2);
    expect(raised.stdout).not.toContain("plan.limit-exceeded");
  });

  it("maxOrdersPerApply: counts the new orders of a plan; a saved plan is refused when the limit was lowered since", async () => {
    await setLimits("  maxOrdersPerApply: 2\n");
    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(
      "Error: the plan places 3 new orders (fabrikam/seats, contoso/seats, tailspin/legacy): limits.maxOrdersPerApply is 2 [plan.limit-exceeded]",
    );
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(await listSandboxOrders(sandbox.url)).toEqual([]);

    await setLimits("  maxOrdersPerApply: 3\n");
    const saved = await project.run(["plan", "--out", "plan.json"]);
    expect(saved.code).toBe(0);
    await setLimits("  maxOrdersPerApply: 1\n");
    const refused = await project.run(["apply", "plan.json"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("passes the config's limits");
    expect(refused.stderr).toContain("limits.maxOrdersPerApply is 1");
    expect(await listSandboxOrders(sandbox.url)).toEqual([]);

    await setLimits("  maxOrdersPerApply: 3\n");
    const applied = await project.run(["apply", "plan.json"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);
  });

  it("bounds a seat update: maxSeatIncrease and maxQuantityPerLineItem refuse it before the subscription changes", async () => {
    const declare = (quantity: number): Promise<void> =>
      project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, quantity));
    await declare(5);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const state = (await project.readState()) as { orders: Record<string, { orderId: string }> };
    const orderId = state.orders["contoso/seats"]?.orderId;
    const placed = (await listSandboxOrders(sandbox.url)).find((o) => o.order.id === orderId);
    const ordersBefore = (await listSandboxOrders(sandbox.url)).length;
    const subscriptionId = (placed?.order.lineItems[0] as { subscriptionId?: string } | undefined)
      ?.subscriptionId;
    expect(subscriptionId).toBeDefined();
    const readQuantity = async (): Promise<number> =>
      (await fetchJson<{ quantity: number }>(`${sandbox.url}/_sandbox/subscriptions/${subscriptionId}`))
        .quantity;

    await declare(9);
    await setLimits("  maxSeatIncrease: 3\n  maxQuantityPerLineItem: 8\n");
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).toContain(
      `order "contoso/seats" would add 4 seats to lineItems[0].quantity (5 -> 9): limits.maxSeatIncrease is 3`,
    );
    expect(apply.stdout + apply.stderr).toContain(
      `order "contoso/seats" would update lineItems[0].quantity from 5 to 9: limits.maxQuantityPerLineItem is 8`,
    );
    expect(await readQuantity()).toBe(5);

    await setLimits("  maxSeatIncrease: 4\n  maxQuantityPerLineItem: 9\n");
    const raised = await project.run(["apply", "--auto-approve"]);
    expect(raised.stderr).toBe("");
    expect(raised.code).toBe(0);
    expect(await readQuantity()).toBe(9);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(ordersBefore);
  });

  it("refuses a limit that is no whole number of at least 1 where it is written", async () => {
    await setLimits("  maxSeatIncrease: 0\n");
    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/orderform\.config\.yaml:\d+:20 +config\.invalid-value/);
    expect(plan.stderr).toContain("a limit is a whole number of at least 1");
  });
});

describe("the cancellation window", () => {
  it("plan lists open windows of placed new-commerce orders, state show prints them, --replace names the old order's deadline", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const state = (await project.readState()) as { orders: Record<string, { orderId: string }> };
    const seats = state.orders["contoso/seats"]!.orderId;

    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(0);
    const section = plan.stdout.slice(plan.stdout.indexOf("Cancellation windows open"));
    expect(section.split("\n").slice(1, 3)).toEqual([
      expect.stringMatching(
        new RegExp(`^  fabrikam/seats \\(customer [0-9a-f-]+\\) order \\w+ until ${ISO.source}$`),
      ),
      expect.stringMatching(
        new RegExp(`^  contoso/seats \\(customer ${CONTOSO}\\) order ${seats} until ${ISO.source}$`),
      ),
    ]);
    expect(plan.stdout).not.toContain("tailspin/legacy (customer"); // a legacy offer has no window

    const json = JSON.parse((await project.run(["plan", "--json"])).stdout) as {
      cancellationWindows: { name: string; orderId: string; until: string }[];
    };
    expect(json.cancellationWindows.map((w) => w.name)).toEqual(["fabrikam/seats", "contoso/seats"]);
    const until = json.cancellationWindows[1]!.until;

    const shown = await project.run(["state", "show", "contoso/seats"]);
    expect(shown.stdout).toContain(`cancellation:   cancellable until ${until}`);
    const shownJson = JSON.parse(
      (await project.run(["state", "show", "contoso/seats", "--json"])).stdout,
    ) as {
      cancellationWindow: object;
    };
    expect(shownJson.cancellationWindow).toEqual({ until, source: "policy", open: true });
    expect((await project.run(["state", "show", "tailspin/legacy"])).stdout).not.toContain("cancellation");

    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9));
    const replace = await project.run(["plan", "--replace", "contoso/seats"]);
    expect(replace.code).toBe(0);
    expect(replace.stdout).toContain(
      `# contoso/seats will be bought as a NEW order; orderform does not cancel order ${seats}`,
    );
    expect(replace.stdout).toContain(
      `--replace buys a NEW order, and order ${seats} stays active and billed; it can still be cancelled in Partner Center until ${until}.`,
    );
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);
  });
});
