/**
 * apply end to end: the built CLI against a real sandbox over loopback. Every test checks the
 * sandbox's own record of orders (GET /_sandbox/orders) for duplicates, not only orderform's output.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import { createRandom } from "../../src/sandbox/faults.js";
import {
  CONTOSO,
  LEGACY_OFFER,
  LICENSE_OFFER,
  TAILSPIN,
  createOrderYaml,
  createTestProject,
  type TestProject,
  listSandboxOrders as listOrdersOf,
  resetSandbox,
  setSandboxFaults,
  writeStandardOrders,
  type AdminOrder,
} from "./helpers.js";

let sandbox: RunningSandbox;
let project: TestProject;

const listSandboxOrders = (url = sandbox.url): Promise<AdminOrder[]> => listOrdersOf(url);
const setFaults = (faults: object): Promise<void> => setSandboxFaults(sandbox.url, faults);

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

describe("apply", () => {
  it("places every declared order once, records it, and a second apply changes nothing", async () => {
    const first = await project.run(["apply", "--auto-approve"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Plan: 3 to create, 0 to resume, 0 unchanged.");
    expect(first.stdout).toContain("Apply complete! Orders: 3 created");

    const orders = await listSandboxOrders();
    expect(orders).toHaveLength(3);
    const state = (await project.readState()) as {
      serial: number;
      orders: Record<string, { orderId: string; requestId: string }>;
      pending: object;
    };
    expect(Object.keys(state.orders).sort()).toEqual(["contoso/seats", "fabrikam/seats", "tailspin/legacy"]);
    expect(state.pending).toEqual({});
    // The state's ids and request ids are the sandbox's.
    for (const recorded of Object.values(state.orders)) {
      const match = orders.find((o) => o.order.id === recorded.orderId);
      expect(match?.requestId).toBe(recorded.requestId);
    }

    const second = await project.run(["apply", "--auto-approve"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("No changes.");
    expect(await listSandboxOrders()).toHaveLength(3);
    // Nothing to buy, but the statuses seen (pending -> completed) are recorded.
    const refreshed = (await project.readState()) as {
      serial: number;
      orders: Record<string, { status: string }>;
    };
    expect(Object.values(refreshed.orders).map((o) => o.status)).toEqual([
      "completed",
      "completed",
      "completed",
    ]);
    expect(refreshed.serial).toBe(state.serial + 1);
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code).toBe(0);
  });

  it("refuses to apply without a terminal unless --auto-approve is given, and buys nothing", async () => {
    const result = await project.run(["apply"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--auto-approve");
    expect(await listSandboxOrders()).toHaveLength(0);
    expect(await project.readState()).toBeNull();
  });

  it("streams one JSON event per line with --json", async () => {
    const result = await project.run(["apply", "--auto-approve", "--json"]);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string });
    expect(events.filter((e) => e.type === "order_started")).toHaveLength(3);
    expect(events.filter((e) => e.type === "order_created")).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: "summary", created: 3, failed: 0, pending: 0 });
  });

  it("records a business error and goes on with the other orders", async () => {
    // 30 licenses exceed the integration sandbox's 25 per subscription: 400/800018.
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 30));
    const result = await project.run(["apply", "--auto-approve"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("2 created");
    expect(result.stdout).toContain("1 failed");
    const state = (await project.readState()) as {
      orders: object;
      pending: object;
      failures: Record<string, { code: string; httpStatus: number }>;
    };
    expect(Object.keys(state.orders)).toHaveLength(2);
    expect(state.pending).toEqual({});
    expect(state.failures["contoso/seats"]).toMatchObject({ code: "800018", httpStatus: 400 });
    expect(await listSandboxOrders()).toHaveLength(2);
  });

  it("places each order exactly once with commit-then-drop and 5xx faults on", async () => {
    await setFaults({
      seed: 7,
      commitThenDrop: { probability: 0.5, route: { method: "POST", pathPattern: "/orders$" } },
      errorRate: { probability: 0.3, status: 503 },
    });
    let result = await project.run(["apply", "--auto-approve"]);
    // Retries are bounded: an order whose outcome stays unknown is kept pending and resumed.
    for (let i = 0; i < 5 && result.code !== 0; i += 1)
      result = await project.run(["apply", "--auto-approve"]);
    expect(result.code).toBe(0);
    await setFaults({});
    const orders = await listSandboxOrders();
    expect(orders).toHaveLength(3);
    expect(new Set(orders.map((o) => o.requestId)).size).toBe(3);
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code).toBe(0);
  });

  it("lets one of two concurrent applies proceed; the other fails naming the lock holder", async () => {
    await setFaults({ latency: { fixedMs: 700, jitterMs: 0, route: { method: "POST" } } });
    const first = project.spawn(["apply", "--auto-approve"]);
    // Wait until the first run holds the lock.
    const { access } = await import("node:fs/promises");
    for (let i = 0; i < 200; i += 1) {
      if (
        await access(`${project.dir}/orderform.state.json.lock`).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const second = await project.run(["apply", "--auto-approve", "--lock-timeout", "0s"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/locked by .*pid \d+.*operation "apply"/);
    await new Promise((resolve) => first.on("close", resolve));
    expect(first.output().code).toBe(0);
    expect(await listSandboxOrders()).toHaveLength(3);

    // A waiting apply gets the lock once the holder is done, and finds nothing to do.
    await setFaults({});
  });

  it("refuses a saved plan made before the state existed, and a plan whose serial moved", async () => {
    const planNoState = await project.run(["plan", "--out", "first.plan"]);
    expect(planNoState.code).toBe(0);
    const copy = await project.run(["plan", "--out", "copy.plan"]);
    expect(copy.code).toBe(0);

    const applied = await project.run(["apply", "first.plan"]);
    expect(applied.code).toBe(0);
    expect(await listSandboxOrders()).toHaveLength(3);

    // terraform#24078: a plan made with no state must not apply once state exists.
    const again = await project.run(["apply", "copy.plan"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no state");
    expect(await listSandboxOrders()).toHaveLength(3);

    await project.writeOrder("more.yaml", createOrderYaml("contoso/legacy", CONTOSO, LEGACY_OFFER, 2));
    const planned = await project.run(["plan", "--out", "second.plan"]);
    expect(planned.stdout).toContain("Plan: 1 to create");
    await project.writeOrder("even-more.yaml", createOrderYaml("tailspin/seats", TAILSPIN, LICENSE_OFFER, 2));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const stale = await project.run(["apply", "second.plan"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      /stale: it was made against state serial 1, and the state is now at serial 2/,
    );
    expect(await listSandboxOrders()).toHaveLength(5);
  });

  it("refuses a saved plan in a project that does not declare its orders, and flags that would change it", async () => {
    expect((await project.run(["plan", "--out", "p.plan"])).code).toBe(0);
    const other = await createTestProject(sandbox.url);
    try {
      await other.writeOrder("x.yaml", createOrderYaml("contoso/other", CONTOSO, LEGACY_OFFER, 1));
      const { copyFile } = await import("node:fs/promises");
      await copyFile(`${project.dir}/p.plan`, `${other.dir}/p.plan`);
      const refused = await other.run(["apply", "p.plan"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/creates \S+, which is not declared in this project/);
    } finally {
      await other.cleanup();
    }
    const flags = await project.run(["apply", "p.plan", "--customer", CONTOSO]);
    expect(flags.code).toBe(1);
    expect(flags.stderr).toContain("a saved plan is applied exactly as it was made");
    expect(await listSandboxOrders()).toHaveLength(0);
  });

  it("--replace places a new order for an edited declaration and keeps the superseded order's record", async () => {
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    // A quantity alone is a seat change in place; the friendly name makes it a conflict.
    await project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9, "    friendlyName: Contoso seats"),
    );
    const conflict = await project.run(["apply", "--auto-approve"]);
    expect(conflict.code).toBe(1);
    expect(await listSandboxOrders()).toHaveLength(3);

    const replaced = await project.run(["apply", "--auto-approve", "--replace", "contoso/seats"]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain("1 created");
    expect(await listSandboxOrders()).toHaveLength(4);
    const state = (await project.readState()) as {
      orders: Record<
        string,
        { orderId: string; applied: { lineItems: { quantity: number }[] }; replaced?: { orderId: string }[] }
      >;
    };
    const seats = state.orders["contoso/seats"];
    expect(seats?.applied.lineItems[0]?.quantity).toBe(9);
    expect(seats?.replaced).toHaveLength(1);
    expect(seats?.replaced?.[0]?.orderId).not.toBe(seats?.orderId);
    const shown = await project.run(["state", "show", "contoso/seats"]);
    expect(shown.stdout).toContain(`replaced:       order ${seats?.replaced?.[0]?.orderId}`);
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("on the first SIGINT finishes the order in flight, records it, starts no other, and exits 1", async () => {
    await setFaults({
      latency: { fixedMs: 1200, jitterMs: 0, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const child = project.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes('"order_started"')) {
          child.kill("SIGINT");
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.on("close", resolve));
    await setFaults({});
    const result = child.output();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("finishing the orders in flight");
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string });
    expect(events.filter((e) => e.type === "order_created")).toHaveLength(1);
    expect(events.filter((e) => e.type === "order_skipped")).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: "summary", created: 1, skipped: 2, pending: 0 });
    // The order in flight was recorded and committed; the lock was released; nothing is pending.
    const state = (await project.readState()) as { orders: object; pending: object };
    expect(Object.keys(state.orders)).toHaveLength(1);
    expect(state.pending).toEqual({});
    expect(await listSandboxOrders()).toHaveLength(1);
    const next = await project.run(["apply", "--auto-approve"]);
    expect(next.code).toBe(0);
    expect(next.stdout).toContain("Plan: 2 to create, 0 to resume, 1 unchanged.");
    expect(await listSandboxOrders()).toHaveLength(3);
  });

  it("keeps the intent pending when a refusal follows an unanswered attempt, until the list proves nothing was bought", async () => {
    // Find a fault seed whose first POST gets an injected 503 and whose retry reaches validation.
    const seed = Array.from({ length: 100 }, (_, i) => i + 1).find((candidate) => {
      const random = createRandom(candidate);
      return random() < 0.5 && random() >= 0.5;
    });
    await setFaults({
      seed,
      errorRate: { probability: 0.5, status: 503, route: { method: "POST", pathPattern: "/orders$" } },
    });
    await project.removeOrder("tailspin.yaml");
    await project.removeOrder("fabrikam.yaml");
    // 30 licenses exceed the integration sandbox's 25 per subscription: a definite 400/800018.
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 30));

    const first = await project.run(["apply", "--auto-approve", "--json"]);
    expect(first.code).toBe(1);
    const failed = first.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; pending?: boolean; code?: string })
      .find((e) => e.type === "order_failed");
    // The 400 came after a 503 that might have placed the order: the intent is not dropped.
    expect(failed).toMatchObject({ pending: true, code: "800018" });
    let state = (await project.readState()) as {
      pending: Record<string, unknown>;
      failures: Record<string, unknown>;
    };
    expect(Object.keys(state.pending)).toEqual(["contoso/seats"]);
    expect(state.failures).toEqual({});

    // Resumed within the visibility window, the refusal still cannot prove nothing exists.
    await setFaults({});
    const second = await project.run(["apply", "--auto-approve"]);
    expect(second.code).toBe(1);
    expect(second.stdout).toContain("Plan: 0 to create, 1 to resume");
    state = (await project.readState()) as typeof state;
    expect(Object.keys(state.pending)).toEqual(["contoso/seats"]);

    // Once the intent is older than the window, the plan saw the complete list without a matching
    // order: the refusal is final, the intent is dropped and the failure recorded.
    const { appendFile } = await import("node:fs/promises");
    await appendFile(`${project.dir}/orderform.config.yaml`, "visibilityWindow: 1ms\n");
    const third = await project.run(["apply", "--auto-approve"]);
    expect(third.code).toBe(1);
    state = (await project.readState()) as typeof state;
    expect(state.pending).toEqual({});
    expect(state.failures["contoso/seats"]).toMatchObject({ code: "800018" });
    expect(await listSandboxOrders()).toHaveLength(0);
  });

  it("finishes, records and unlocks when its output reader goes away (apply --json | head -1)", async () => {
    await setFaults({
      latency: { fixedMs: 300, jitterMs: 0, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const child = project.spawn(["apply", "--auto-approve", "--json"]);
    await new Promise<void>((resolve) => {
      child.stdout?.once("data", () => {
        child.stdout?.destroy();
        resolve();
      });
    });
    await new Promise((resolve) => child.on("close", resolve));
    await setFaults({});
    expect(child.output().code).toBe(0);
    const state = (await project.readState()) as { orders: object; pending: object };
    expect(Object.keys(state.orders)).toHaveLength(3);
    expect(state.pending).toEqual({});
    const { access } = await import("node:fs/promises");
    const locked = await access(`${project.dir}/orderform.state.json.lock`).then(
      () => true,
      () => false,
    );
    expect(locked).toBe(false);
    expect(await listSandboxOrders()).toHaveLength(3);
  });
});
