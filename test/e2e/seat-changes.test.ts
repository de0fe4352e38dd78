/**
 * Seat changes in place end to end (docs/planning.md, "Seat changes"; docs/exactly-once.md): the
 * built CLI against a real sandbox. Every test reads the sandbox's own subscriptions and orders,
 * not only orderform's output.
 */
import { readFile } from "node:fs/promises";
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
  setSandboxFaults,
  type TestProject,
} from "./helpers.js";

let sandbox: RunningSandbox;
let project: TestProject;

interface StateWithSeats {
  orders: Record<
    string,
    {
      orderId: string;
      applied: { lineItems: { quantity: number }[] };
      seatChanges?: {
        from: number;
        to: number;
        requestId: string;
        subscriptionId: string;
        at: string;
        by?: string;
      }[];
    }
  >;
  pendingUpdates?: Record<string, { requestId: string }>;
}

const readSeatState = async (): Promise<StateWithSeats> =>
  (await project.readState()) as unknown as StateWithSeats;

async function readSubscriptionId(name = "contoso/seats"): Promise<string> {
  const state = await readSeatState();
  const orderId = state.orders[name]?.orderId ?? "";
  const order = (await listSandboxOrders(sandbox.url)).find((o) => o.order.id === orderId);
  const id = (order?.order.lineItems[0] as { subscriptionId?: string } | undefined)?.subscriptionId;
  if (id === undefined) throw new Error(`no subscription for ${orderId}`);
  return id;
}

const readSubscription = (id: string): Promise<{ quantity: number; cancellationAllowedUntilDate?: string }> =>
  fetchJson(`${sandbox.url}/_sandbox/subscriptions/${id}`);

const setSubscriptionQuantity = (id: string, quantity: number): Promise<unknown> =>
  fetchJson(`${sandbox.url}/_sandbox/subscriptions/${id}`, {
    method: "PATCH",
    body: JSON.stringify({ quantity }),
    headers: { "content-type": "application/json" },
  });

const declare = (quantity: number): Promise<void> =>
  project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, quantity));

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  project = await createTestProject(sandbox.url);
});
afterEach(async () => {
  await project.cleanup();
});

describe("seat changes", () => {
  it("changes a quantity edit in place: plan shows ~ update, apply changes the subscription once and records it", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = await readSubscriptionId();
    await declare(9);

    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("  ~ update contoso/seats");
    expect(plan.stdout).toContain(`lineItems[0].quantity: 7 -> 9  subscription ${subscriptionId}`);
    expect(plan.stdout).toContain("Plan: 0 to create, 1 to update, 0 to resume, 0 unchanged.");
    expect(plan.stdout).not.toContain("conflict");

    const json = await project.run(["plan", "--format", "json"]);
    const parsed = JSON.parse(json.stdout) as { summary: { update: number }; actions: { kind: string }[] };
    expect(parsed.summary.update).toBe(1);
    expect(parsed.actions.map((a) => a.kind)).toEqual(["update"]);

    const applied = await project.run(["apply", "--auto-approve"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("seat changes: 1 made");
    expect((await readSubscription(subscriptionId)).quantity).toBe(9);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);

    const clean = await project.run(["plan", "--detailed-exitcode"]);
    expect(clean.code).toBe(0);
    const state = await readSeatState();
    const record = state.orders["contoso/seats"];
    expect(record?.applied.lineItems[0]?.quantity).toBe(7);
    expect(record?.seatChanges).toHaveLength(1);
    expect(record?.seatChanges?.[0]).toMatchObject({ from: 7, to: 9, subscriptionId });
    expect(record?.seatChanges?.[0]?.by).toMatch(/@/);
    expect(state.pendingUpdates).toBeUndefined();

    // A decrease inside the cancellation window (the order is minutes old) is an update too.
    await declare(8);
    const decreased = await project.run(["apply", "--auto-approve"]);
    expect(decreased.code).toBe(0);
    expect((await readSubscription(subscriptionId)).quantity).toBe(8);
    expect((await readSeatState()).orders["contoso/seats"]?.seatChanges?.map((c) => [c.from, c.to])).toEqual([
      [7, 9],
      [9, 8],
    ]);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });

  it("refuses a decrease after the cancellation window with an error naming its end; nothing is sent", async () => {
    const created = new Date(Date.now() - 10 * 24 * 3600 * 1000).toISOString();
    const seeded = await fetchJson<{ items: { order: { id: string } }[] }>(`${sandbox.url}/_sandbox/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        {
          customer: CONTOSO,
          creationDate: created,
          billingCycle: "monthly",
          lineItems: [
            {
              lineItemNumber: 0,
              offerId: LICENSE_OFFER,
              quantity: 7,
              termDuration: "P1M",
              attestationAccepted: true,
            },
          ],
        },
      ]),
    });
    const orderId = seeded.items[0]?.order.id ?? "";
    await project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7).replace(
        "partnerOnRecordAttestationAccepted: true\n",
        "",
      ),
    );
    const imported = await project.run(["import", "contoso/seats", orderId]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const subscriptionId = await readSubscriptionId();
    const until = (await readSubscription(subscriptionId)).cancellationAllowedUntilDate ?? "";
    expect(until).not.toBe("");

    await project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 5).replace(
        "partnerOnRecordAttestationAccepted: true\n",
        "",
      ),
    );
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain("[plan.decrease-outside-window]");
    expect(plan.stdout).toContain(`can be reduced only until ${new Date(until).toISOString()}`);
    expect(plan.stdout).toContain("--replace is no remedy");
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect((await readSubscription(subscriptionId)).quantity).toBe(7);

    // An increase is always an update.
    await project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 8).replace(
        "partnerOnRecordAttestationAccepted: true\n",
        "",
      ),
    );
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await readSubscription(subscriptionId)).quantity).toBe(8);
  });

  it("reports seats changed outside orderform as drift, and a saved plan whose change went stale is refused", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = await readSubscriptionId();

    await declare(9);
    expect((await project.run(["plan", "--out", "p.plan"])).code).toBe(0);
    await setSubscriptionQuantity(subscriptionId, 12);

    const drift = await project.run(["plan", "--detailed-exitcode"]);
    expect(drift.stdout).toContain("! drift contoso/seats");
    expect(drift.stdout).toContain(
      `has seats that changed outside orderform (subscription ${subscriptionId})`,
    );
    expect(drift.stdout).toContain("lineItems[0].quantity: 7 -> 12");

    const stale = await project.run(["apply", "p.plan"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("is not what orderform plans now");
    expect((await readSubscription(subscriptionId)).quantity).toBe(12);
  });

  it("finishes a seat change killed after its intent with the same request id, never twice", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = await readSubscriptionId();
    await declare(10);

    // Killed as soon as the intent is recorded (update_started comes right after the append).
    const child = project.spawn(["apply", "--auto-approve", "--json"]);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('"update_started"')) child.kill("SIGKILL");
    });
    await new Promise((resolve) => child.on("close", resolve));
    const journal = await readFile(join(project.dir, "orderform.state.json.journal"), "utf8");
    const intent = journal
      .split("\n")
      .filter((line) => line.includes('"update-intent"'))
      .map((line) => JSON.parse(line) as { update: { requestId: string } })[0];
    expect(intent?.update.requestId).toMatch(/^[0-9a-f-]{36}$/);

    // The lock of the killed run is taken over (its process is gone); the plan shows the resume.
    const plan = await project.run(["plan"]);
    expect(plan.stdout).toContain("~ update contoso/seats");
    const resumed = await project.run(["apply", "--auto-approve"]);
    expect(resumed.stderr).not.toContain("Error");
    expect(resumed.code).toBe(0);
    expect((await readSubscription(subscriptionId)).quantity).toBe(10);
    const state = await readSeatState();
    expect(state.orders["contoso/seats"]?.seatChanges?.map((c) => [c.from, c.to, c.requestId])).toEqual([
      [7, 10, intent?.update.requestId],
    ]);
    expect(state.pendingUpdates).toBeUndefined();
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });
});

describe("seat changes at their edges", () => {
  const PATCH_ROUTE = { method: "PATCH", pathPattern: "/subscriptions/" };
  afterEach(async () => {
    await setSandboxFaults(sandbox.url, {});
  });

  it("records a change whose PATCH answer was lost once, and a re-run changes nothing", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = await readSubscriptionId();
    await declare(9);
    await setSandboxFaults(sandbox.url, { seed: 1, commitThenDrop: { probability: 1, route: PATCH_ROUTE } });
    // The retry with the same request id gets the change's replayed answer.
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await readSubscription(subscriptionId)).quantity).toBe(9);
    await setSandboxFaults(sandbox.url, {});
    const state = await readSeatState();
    expect(state.orders["contoso/seats"]?.seatChanges?.map((c) => [c.from, c.to])).toEqual([[7, 9]]);
    expect(state.pendingUpdates).toBeUndefined();
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await readSeatState()).orders["contoso/seats"]?.seatChanges).toHaveLength(1);
  });

  it("refuses state mv and state rm of a record with a started change, which apply then finishes", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = await readSubscriptionId();
    await declare(9);
    // Every PATCH answers 500: the outcome stays unknown and the intent stays pending.
    await setSandboxFaults(sandbox.url, { seed: 1, errorRate: { probability: 1, route: PATCH_ROUTE } });
    expect((await project.run(["apply", "--auto-approve"])).code).not.toBe(0);
    await setSandboxFaults(sandbox.url, {});
    const started = (await readSeatState()).pendingUpdates?.["contoso/seats#0"];
    expect(started?.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const moved = await project.run(["state", "mv", "contoso/seats", "contoso/licences"]);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain("pending seat change");
    const removed = await project.run(["state", "rm", "contoso/seats"]);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain("pending seat change");
    expect((await readSeatState()).pendingUpdates?.["contoso/seats#0"]).toEqual(started);

    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await readSubscription(subscriptionId)).quantity).toBe(9);
    expect((await readSeatState()).orders["contoso/seats"]?.seatChanges?.map((c) => c.requestId)).toEqual([
      started?.requestId,
    ]);
    // Finished, the record moves with its changes.
    expect((await project.run(["state", "mv", "contoso/seats", "contoso/licences"])).code).toBe(0);
    expect((await readSeatState()).orders["contoso/licences"]?.seatChanges).toHaveLength(1);
  });
});

describe("seat changes refused", () => {
  const declareTwo = (first: number, second: number): Promise<void> =>
    project.writeOrder(
      "contoso.yaml",
      createOrderYaml(
        "contoso/seats",
        CONTOSO,
        LICENSE_OFFER,
        first,
        [
          `  - offerId: "${LICENSE_OFFER}"`,
          `    quantity: ${second}`,
          "    termDuration: P1M",
          "    attestationAccepted: true",
        ].join("\n"),
      ),
    );
  const setStatus = (ids: string[], status: string): Promise<unknown[]> =>
    Promise.all(
      ids.map((id) =>
        fetchJson(`${sandbox.url}/_sandbox/subscriptions/${id}`, {
          method: "PATCH",
          body: JSON.stringify({ status }),
          headers: { "content-type": "application/json" },
        }),
      ),
    );

  it("retries each refused line item with a new request id, not the refused one the service replays", async () => {
    await declareTwo(7, 5);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const orderId = (await readSeatState()).orders["contoso/seats"]?.orderId;
    const order = (await listSandboxOrders(sandbox.url)).find((o) => o.order.id === orderId);
    const ids = (order?.order.lineItems ?? []).map(
      (li) => (li as { subscriptionId?: string }).subscriptionId ?? "",
    );
    expect(ids).toHaveLength(2);

    // Both changes are refused (2001: not active); the state keeps one failure per name.
    await setStatus(ids, "suspended");
    await declareTwo(9, 6);
    const refused = await project.run(["apply", "--auto-approve"]);
    expect(refused.code).toBe(1);
    expect((await readSeatState()).pendingUpdates).toBeUndefined();

    await setStatus(ids, "active");
    const retried = await project.run(["apply", "--auto-approve"]);
    expect(retried.stdout).toContain("seat changes: 2 made");
    expect(retried.code).toBe(0);
    expect(await Promise.all(ids.map(async (id) => (await readSubscription(id)).quantity))).toEqual([9, 6]);
    expect((await readSeatState()).orders["contoso/seats"]?.seatChanges).toHaveLength(2);
  });
});

describe("seat changes before provisioning", () => {
  it("waits for a line item whose subscription does not exist yet", async () => {
    const slow = await startSandbox({ port: 0, provisioningDelayMs: 3_600_000 });
    const slowProject = await createTestProject(slow.url);
    try {
      await slowProject.writeOrder(
        "contoso.yaml",
        createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7),
      );
      expect((await slowProject.run(["apply", "--auto-approve"])).code).toBe(0);
      await slowProject.writeOrder(
        "contoso.yaml",
        createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9),
      );
      const plan = await slowProject.run(["plan", "--detailed-exitcode"]);
      expect(plan.code).toBe(2);
      expect(plan.stdout).toContain("lineItems[0].quantity: 7 -> 9  waiting for provisioning");
      const apply = await slowProject.run(["apply", "--auto-approve"]);
      expect(apply.code).toBe(0);
      const state = (await slowProject.readState()) as unknown as StateWithSeats;
      expect(state.orders["contoso/seats"]?.seatChanges).toBeUndefined();
      expect(state.pendingUpdates).toBeUndefined();
      expect(await listSandboxOrders(slow.url)).toHaveLength(1);
    } finally {
      await slowProject.cleanup();
      await slow.close();
    }
  });
});
