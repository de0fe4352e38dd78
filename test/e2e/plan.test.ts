/**
 * plan end to end: the built CLI against a real sandbox over loopback. Besides orderform's output
 * and exit codes, every test that could buy something checks the sandbox's own record of orders
 * (GET /_sandbox/orders): a plan never buys, and a resumed apply never buys twice.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  FABRIKAM,
  LEGACY_OFFER,
  LICENSE_OFFER,
  SANDBOX_TENANT,
  TAILSPIN,
  createOrderYaml,
  createTestProject,
  fetchJson,
  type TestProject,
  listSandboxOrders as listOrdersOf,
  resetSandbox,
  setSandboxFaults,
  writeStandardOrders,
  type AdminOrder,
} from "./helpers.js";

interface PlanDocument {
  state: { lineage: string | null; serial: number };
  options: { customers: string[]; replace: string[] };
  actions: { kind: string; name: string; customer: string; seen?: string; replaces?: { orderId: string } }[];
  summary: Record<string, number>;
}

let sandbox: RunningSandbox;
let project: TestProject;

const listSandboxOrders = (url = sandbox.url): Promise<AdminOrder[]> => listOrdersOf(url);
const setFaults = (faults: object): Promise<void> => setSandboxFaults(sandbox.url, faults);

async function patchSandboxOrder(orderId: string, patch: object): Promise<void> {
  await fetchJson(`${sandbox.url}/_sandbox/orders/${encodeURIComponent(orderId)}`, {
    method: "PATCH",
    body: JSON.stringify(patch),
    headers: { "content-type": "application/json" },
  });
}

async function readStateOrderId(name: string): Promise<string> {
  const state = (await project.readState()) as { orders: Record<string, { orderId: string }> } | null;
  const orderId = state?.orders[name]?.orderId;
  if (orderId === undefined) throw new Error(`no state order ${name}`);
  return orderId;
}

async function applyAll(): Promise<void> {
  const result = await project.run(["apply", "--auto-approve"]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
}

/** The "+ create NAME" / "~ resume NAME" lines of a text plan, in order. */
function readActionLines(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => /^ {2}[+~!x-] \w+ /.test(line))
    .map((line) => line.trim());
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

describe("plan", () => {
  it("plans a create per declaration in a fresh project, exits 2 with --detailed-exitcode, and buys nothing", async () => {
    const result = await project.run(["plan", "--detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    expect(readActionLines(result.stdout)).toEqual([
      "+ create fabrikam/seats",
      "+ create contoso/seats",
      "+ create tailspin/legacy",
    ]);
    expect(result.stdout).toContain("Plan: 3 to create, 0 to resume, 0 unchanged.");
    expect(result.stdout).not.toContain("changed outside orderform");
    expect(await listSandboxOrders()).toHaveLength(0);
    expect(await project.readState()).toBeNull();

    const plain = await project.run(["plan"]);
    expect(plain.code).toBe(0);
  });

  it("says no changes once every order is placed, and exits 0 with --detailed-exitcode", async () => {
    await applyAll();
    const result = await project.run(["plan", "--detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No changes.");
    expect(result.stdout).not.toMatch(/^ {2}\+ create/m);
    expect(await listSandboxOrders()).toHaveLength(3);
  });

  it("shows an order cancelled outside orderform as drift, buys nothing for it, and --replace makes it a create", async () => {
    await applyAll();
    const cancelled = await readStateOrderId("tailspin/legacy");
    await patchSandboxOrder(cancelled, { status: "cancelled" });

    const result = await project.run(["plan", "--detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Note: Objects have changed outside orderform");
    expect(result.stdout).toContain(
      `tailspin/legacy (order ${cancelled}, customer ${TAILSPIN}) has changed outside orderform`,
    );
    expect(result.stdout).toContain("! drift tailspin/legacy");
    expect(result.stdout).toMatch(/^ {6}status: "(?:pending|completed)" -> "cancelled"$/m);
    expect(result.stdout).toContain("--replace tailspin/legacy");
    expect(result.stdout).toContain("Plan: 0 to create, 0 to resume, 2 unchanged.");
    expect(result.stdout).toContain("1 order changed outside orderform; nothing is bought for it.");
    expect(result.stdout).not.toMatch(/^ {2}\+ create/m);

    const replaced = await project.run(["plan", "--detailed-exitcode", "--replace", "tailspin/legacy"]);
    expect(replaced.stderr).toBe("");
    expect(replaced.code).toBe(2);
    expect(readActionLines(replaced.stdout)).toEqual(["+ create tailspin/legacy"]);
    expect(replaced.stdout).toContain(
      `tailspin/legacy will be bought as a NEW order; orderform does not cancel order ${cancelled}`,
    );
    expect(replaced.stdout).toContain(
      `--replace buys a NEW order, and order ${cancelled}, cancelled outside orderform, stays as it is.`,
    );
    expect(replaced.stdout).toContain("Plan: 1 to create, 0 to resume, 2 unchanged.");
    expect(replaced.stdout).not.toContain("has changed outside orderform");

    // Planning bought nothing; the cancelled order is still the sandbox's only tailspin order.
    const orders = await listSandboxOrders();
    expect(orders).toHaveLength(3);
    expect(orders.find((o) => o.order.id === cancelled)?.order.status).toBe("cancelled");
  });

  it("reports a declaration edited after purchase as a conflict with exit 1, and --replace plans its replacement", async () => {
    await applyAll();
    const placed = await readStateOrderId("contoso/seats");
    // A quantity alone is a seat change in place (test/e2e/seat-changes.test.ts); the name makes it a conflict.
    await project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9, "    friendlyName: Contoso seats"),
    );

    const result = await project.run(["plan", "--detailed-exitcode"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Error: declarations were edited after their orders were placed");
    expect(result.stdout).toContain(
      `contoso/seats (order ${placed}, customer ${CONTOSO}) conflicts with its declaration`,
    );
    expect(result.stdout).toContain("x conflict contoso/seats");
    expect(result.stdout).toContain("lineItems[0].quantity: 7 -> 9");
    expect(result.stdout).toMatch(
      new RegExp(`Restore the declaration in \\S*contoso\\.yaml:\\d+:\\d+ to match order ${placed}`),
    );
    expect(result.stdout).toContain("--replace contoso/seats");
    expect(result.stdout).toContain("1 declaration in conflict: resolve it before this plan can be applied.");
    expect(result.stdout).not.toMatch(/^ {2}\+ create/m);

    const replaced = await project.run(["plan", "--detailed-exitcode", "--replace", "contoso/seats"]);
    expect(replaced.stderr).toBe("");
    expect(replaced.code).toBe(2);
    expect(readActionLines(replaced.stdout)).toEqual(["+ create contoso/seats"]);
    expect(replaced.stdout).toContain(
      `contoso/seats will be bought as a NEW order; orderform does not cancel order ${placed}`,
    );
    expect(replaced.stdout).toMatch(
      new RegExp(
        `order ${placed} stays active and billed; it can still be cancelled in Partner Center until \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    expect(replaced.stdout).toContain("lineItems[0]: 9 x " + LICENSE_OFFER);
    expect(replaced.stdout).not.toContain("conflicts with its declaration");
    expect(await listSandboxOrders()).toHaveLength(3);
  });

  it("does not re-create a state order missing from the customer's list within the visibility window", async () => {
    const delayed = await startSandbox({ port: 0, listDelayMs: 60_000 });
    const delayedProject = await createTestProject(delayed.url);
    try {
      await delayedProject.writeOrder(
        "contoso.yaml",
        createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7),
      );
      await delayedProject.writeOrder(
        "tailspin.yaml",
        createOrderYaml("tailspin/legacy", TAILSPIN, LEGACY_OFFER, 3),
      );
      const applied = await delayedProject.run(["apply", "--auto-approve"]);
      expect(applied.code).toBe(0);
      const orders = await listSandboxOrders(delayed.url);
      expect(orders).toHaveLength(2);
      expect(orders.every((o) => o.requestId !== null && !o.visibleInList)).toBe(true);

      const result = await delayedProject.run(["plan", "--detailed-exitcode"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(/^ {2}\+ create/m);
      expect(result.stdout).toContain("Not yet confirmed by Partner Center (never placed again):");
      expect(result.stdout).toMatch(/contoso\/seats: Order \S+ is recent and not in the customer's list yet/);
      expect(result.stdout).toMatch(
        /tailspin\/legacy: Order \S+ is recent and not in the customer's list yet/,
      );

      const json = await delayedProject.run(["plan", "--json"]);
      const plan = JSON.parse(json.stdout) as PlanDocument;
      expect(plan.summary).toMatchObject({ create: 0, resume: 0, noop: 2, drift: 0 });
      expect(plan.actions.map((a) => a.seen)).toEqual(["not-yet-visible", "not-yet-visible"]);
      expect(await listSandboxOrders(delayed.url)).toHaveLength(2);
    } finally {
      await delayedProject.cleanup();
      await delayed.close();
    }
  });

  it("shows a create started by a killed apply as a resume, and the next apply completes it without buying twice", async () => {
    await setFaults({
      latency: { fixedMs: 1500, jitterMs: 0, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const killed = project.spawn(["apply", "--auto-approve", "--json"]);
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!killed.output().stdout.includes('"order_started"')) return;
        killed.stdout?.off("data", check);
        killed.kill("SIGKILL");
        resolve();
      };
      killed.stdout?.on("data", check);
      killed.on("close", () =>
        reject(new Error(`apply ended before any order_started: ${JSON.stringify(killed.output())}`)),
      );
    });
    await new Promise((resolve) => killed.on("close", resolve));
    expect(killed.output().signal).toBe("SIGKILL");
    await setFaults({});

    const started = killed
      .output()
      .stdout.split("\n")
      .filter((line) => line.includes('"order_started"'))
      .map((line) => JSON.parse(line) as { name: string; requestId: string })
      .map(({ name, requestId }) => ({ name, requestId }));
    expect(started.length).toBeGreaterThan(0);

    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(2);
    // Each intent is journaled before its order_started event is printed, so the kill may leave
    // more intents than the events show: every reported start is a resume, and possibly others.
    const resumed = [...plan.stdout.matchAll(/^ {2}~ resume (\S+)\n {6}request id: (\S+)$/gm)].map((m) => ({
      name: m[1] ?? "",
      requestId: m[2] ?? "",
    }));
    for (const start of started) expect(resumed).toContainEqual(start);
    expect(readActionLines(plan.stdout)).toHaveLength(3);
    expect(plan.stdout).toContain(
      `Plan: ${3 - resumed.length} to create, ${resumed.length} to resume, 0 unchanged.`,
    );

    // The killed run left its lock; the next apply takes it over (its holder is gone) and completes.
    const finished = await project.run(["apply", "--auto-approve"]);
    expect(finished.stderr).toContain("took over the state lock");
    expect(finished.code).toBe(0);

    const orders = await listSandboxOrders();
    expect(orders.map((o) => o.customerId).sort()).toEqual([CONTOSO, FABRIKAM, TAILSPIN].sort());
    const state = (await project.readState()) as {
      orders: Record<string, { orderId: string; requestId: string }>;
      pending: object;
    };
    expect(state.pending).toEqual({});
    // The resumed orders were finished with the request ids of the killed run.
    for (const { name, requestId } of resumed) expect(state.orders[name]?.requestId).toBe(requestId);
    for (const recorded of Object.values(state.orders)) {
      expect(orders.find((o) => o.order.id === recorded.orderId)?.requestId).toBe(recorded.requestId);
    }
    const after = await project.run(["plan", "--detailed-exitcode"]);
    expect(after.code).toBe(0);
  });

  it("narrows the plan to the customers given with --customer", async () => {
    const result = await project.run(["plan", "--detailed-exitcode", "--customer", CONTOSO]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    expect(readActionLines(result.stdout)).toEqual(["+ create contoso/seats"]);
    expect(result.stdout).toContain("Plan: 1 to create, 0 to resume, 0 unchanged.");
    expect(result.stdout).not.toContain(TAILSPIN);
    expect(result.stdout).not.toContain(FABRIKAM);

    await applyAll();
    // A quantity alone is a seat change in place; the friendly name makes it a conflict.
    await project.writeOrder(
      "tailspin.yaml",
      createOrderYaml("tailspin/legacy", TAILSPIN, LEGACY_OFFER, 5, "    friendlyName: Tailspin"),
    );
    // Only Tailspin's declaration conflicts; a plan for the other two customers is clean.
    const json = await project.run([
      "plan",
      "--json",
      "--detailed-exitcode",
      "--customer",
      FABRIKAM.toUpperCase(),
      "--customer",
      CONTOSO,
    ]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanDocument;
    expect(plan.options.customers).toEqual([CONTOSO, FABRIKAM].sort());
    expect(plan.actions.map((a) => `${a.kind} ${a.name}`)).toEqual([
      "no-op fabrikam/seats",
      "no-op contoso/seats",
    ]);
    const all = await project.run(["plan", "--detailed-exitcode"]);
    expect(all.code).toBe(1);
  });

  it("reports a config error or a bad flag alone, with exit 1", async () => {
    const badFlag = await project.run(["plan", "--lock-timeout", "soon"]);
    expect(badFlag.code).toBe(1);
    expect(badFlag.stdout).toBe("");
    expect(badFlag.stderr.trim().split("\n")).toEqual([
      "Error: --lock-timeout: not a duration: soon  [cli.invalid-duration]",
      "  hint: Use a number with a unit, e.g. 500ms, 30s, 2m, 1h.",
    ]);

    await writeFile(join(project.dir, "orderform.config.yaml"), "endpoint: sandbox\nparallelism: zero\n");
    const plan = await project.run(["plan"]);
    const validate = await project.run(["validate"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toBe("");
    expect(plan.stderr).toContain("config.invalid-value");
    // The same diagnostics as validate (which loads the project on the main thread), without
    // validate's closing summary line.
    expect(plan.stderr.length).toBeGreaterThan(0);
    expect(`${validate.stderr}${validate.stdout}`.startsWith(plan.stderr)).toBe(true);
  });

  it("runs a JavaScript config on the main thread, as apply does: what it sets in process.env counts", async () => {
    const { rm } = await import("node:fs/promises");
    await rm(join(project.dir, "orderform.config.yaml"));
    await writeFile(
      join(project.dir, "orderform.config.mjs"),
      [
        'process.env.SECRET_FROM_CONFIG = "sandbox-secret";',
        "export default {",
        `  endpoint: ${JSON.stringify(sandbox.url)},`,
        "  auth: {",
        '    mode: "app",',
        `    tenantId: ${JSON.stringify(SANDBOX_TENANT)},`,
        '    clientId: "orderform-sandbox",',
        '    clientSecretEnv: "SECRET_FROM_CONFIG",',
        `    authorityHost: ${JSON.stringify(sandbox.url)},`,
        "  },",
        "};",
      ].join("\n"),
    );
    const result = await project.run(["plan", "--detailed-exitcode"], { env: { ORDERFORM_TEST_SECRET: "" } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("Plan: 3 to create, 0 to resume, 0 unchanged.");
  });
});
