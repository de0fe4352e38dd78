/**
 * Seat changes as state records them (docs/state.md, docs/exactly-once.md "Seat changes"): `state
 * show` (text and JSON), `state history`, and `state mv` while a change is pending. The built CLI
 * against a real sandbox.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  fetchJson,
  resetSandbox,
  type TestProject,
} from "./helpers.js";

let sandbox: RunningSandbox;
let project: TestProject;

interface ShownRecord {
  name: string;
  seatChanges?: {
    lineItemNumber: number;
    subscriptionId: string;
    from: number;
    to: number;
    requestId: string;
  }[];
  pendingUpdates?: { name: string; lineItemNumber: number; from: number; to: number; requestId: string }[];
  remoteLineItems?: { subscriptionId?: string }[];
}

const declare = (quantity: number, name = "contoso/seats"): Promise<void> =>
  project.writeOrder("contoso.yaml", createOrderYaml(name, CONTOSO, LICENSE_OFFER, quantity));

const showJson = async (name: string): Promise<ShownRecord> =>
  JSON.parse((await project.run(["state", "show", name, "--json"])).stdout) as ShownRecord;

const readQuantity = async (id: string): Promise<number> =>
  (await fetchJson<{ quantity: number }>(`${sandbox.url}/_sandbox/subscriptions/${id}`)).quantity;

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

describe("seat changes in state", () => {
  it("state show lists each change (when, who, line item, subscription, old -> new, request id); history marks the version", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await declare(9);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);

    const record = await showJson("contoso/seats");
    const change = record.seatChanges?.[0];
    expect(record.seatChanges).toHaveLength(1);
    expect(change).toMatchObject({ lineItemNumber: 0, from: 7, to: 9 });
    expect(record.pendingUpdates).toBeUndefined();

    const text = await project.run(["state", "show", "contoso/seats"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${LICENSE_OFFER} x9 (placed as x7)`);
    expect(text.stdout).toContain("seat changes:\n");
    expect(text.stdout).toMatch(
      new RegExp(
        `\\n  \\d{4}-\\d\\d-\\d\\dT[^ ]+  lineItems\\[0\\] 7 -> 9  subscription ${change?.subscriptionId ?? "?"}  MS-RequestId ${change?.requestId ?? "?"}  \\([^)]*@`,
      ),
    );

    const history = await project.run(["state", "history"]);
    const lines = history.stdout.trim().split("\n");
    expect(lines.at(-1)).toContain("seat changes: 1 made [seats: 1 changed]");
    expect(lines.filter((l) => l.includes("[seats:"))).toHaveLength(1);
    const json = JSON.parse((await project.run(["state", "history", "--json"])).stdout) as {
      seatChanges?: number;
    }[];
    expect(json.map((e) => e.seatChanges ?? 0)).toEqual([...json.slice(0, -1).map(() => 0), 1]);
  });

  it("state mv refuses a name with a pending seat change; after apply finishes it, the record moves with its changes", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await declare(10);
    const child = project.spawn(["apply", "--auto-approve", "--json"]);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('"update_started"')) child.kill("SIGKILL");
    });
    await new Promise((resolve) => child.on("close", resolve));

    const shown = await showJson("contoso/seats");
    const pending = shown.pendingUpdates?.[0];
    expect(pending).toMatchObject({ name: "contoso/seats", lineItemNumber: 0, from: 7, to: 10 });
    const text = await project.run(["state", "show", "contoso/seats"]);
    expect(text.stdout).toContain(
      `pending update: lineItems[0] 7 -> 10  subscription ${shown.remoteLineItems?.[0]?.subscriptionId ?? ""}`,
    );
    expect(text.stdout).toContain(`MS-RequestId ${pending?.requestId ?? "?"}`);

    const refused = await project.run(["state", "mv", "contoso/seats", "contoso/licences"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("state.mv-pending");
    expect(refused.stderr).toContain(`MS-RequestId ${pending?.requestId ?? "?"}`);
    expect((await showJson("contoso/seats")).pendingUpdates).toHaveLength(1);

    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const finished = await showJson("contoso/seats");
    expect(finished.seatChanges?.map((c) => [c.from, c.to, c.requestId])).toEqual([
      [7, 10, pending?.requestId],
    ]);

    const moved = await project.run(["state", "mv", "contoso/seats", "contoso/licences"]);
    expect(moved.code).toBe(0);
    const after = await showJson("contoso/licences");
    expect(after.seatChanges).toEqual(finished.seatChanges);
    await declare(10, "contoso/licences");
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await readQuantity(finished.seatChanges?.[0]?.subscriptionId ?? "")).toBe(10);
  });

  it("a refused increase (the sandbox's 25-licence cap, 800018) is reported and recorded, nothing changes, and the next plan proposes the same update with the failure", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = (await showJson("contoso/seats")).remoteLineItems?.[0]?.subscriptionId ?? "";
    await declare(30);

    const refused = await project.run(["apply", "--auto-approve"]);
    expect(`${refused.stdout}${refused.stderr}`).toContain("800018");
    expect(`${refused.stdout}${refused.stderr}`).toContain("at most 25 licenses per subscription");
    expect(await readQuantity(subscriptionId)).toBe(7);
    const state = (await project.readState()) as unknown as {
      failures: Record<string, { code: string; lineItemNumber?: number; requestId: string }>;
      pendingUpdates?: object;
    };
    expect(state.failures["contoso/seats"]).toMatchObject({ code: "800018", lineItemNumber: 0 });
    expect(state.pendingUpdates).toBeUndefined();
    expect((await showJson("contoso/seats")).seatChanges).toBeUndefined();

    const plan = await project.run(["plan", "--format", "json"]);
    const parsed = JSON.parse(plan.stdout) as {
      actions: { kind: string; reason: string; updates?: { from: number; to: number }[] }[];
    };
    expect(parsed.actions).toHaveLength(1);
    expect(parsed.actions[0]).toMatchObject({ kind: "update", updates: [{ from: 7, to: 30 }] });
    expect(parsed.actions[0]?.reason).toContain("failed with 800018");
  });
});

describe("a started seat change overtaken outside orderform", () => {
  it("says the started change's outcome is unknown, sends nothing more and keeps its request id", async () => {
    await declare(7);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const subscriptionId = (await showJson("contoso/seats")).remoteLineItems?.[0]?.subscriptionId ?? "";
    expect(subscriptionId).not.toBe("");
    await declare(10);
    const child = project.spawn(["apply", "--auto-approve", "--json"]);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes('"update_started"')) child.kill("SIGKILL");
    });
    await new Promise((resolve) => child.on("close", resolve));
    // Someone changes the seats in the portal before the next run.
    await fetchJson(`${sandbox.url}/_sandbox/subscriptions/${subscriptionId}`, {
      method: "PATCH",
      body: JSON.stringify({ quantity: 12 }),
      headers: { "content-type": "application/json" },
    });

    const resumed = await project.run(["apply", "--auto-approve"]);
    expect(resumed.stdout + resumed.stderr).toContain(
      `subscription ${subscriptionId} has 12 seats, neither 7 nor 10: the change to 10 started at`,
    );
    expect(resumed.stdout + resumed.stderr).toContain("has an unknown outcome");
    expect(await readQuantity(subscriptionId)).toBe(12);
    const state = (await project.readState()) as {
      failures?: Record<string, { requestId: string; code: string }>;
      pendingUpdates?: unknown;
    };
    expect(state.failures?.["contoso/seats"]?.code).toBe("apply.subscription-changed");
    expect(state.pendingUpdates).toBeUndefined();
  });
});
