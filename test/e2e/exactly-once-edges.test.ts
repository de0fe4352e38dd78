/**
 * Edges of the exactly-once protocol (docs/exactly-once.md), found by trying to break it: each test
 * is a scenario in which an earlier version bought a declared order twice, lost the record of an
 * order it bought, or recorded an order it did not buy. The built CLI against a real sandbox.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  listSandboxOrders,
  resetSandbox,
  type TestProject,
} from "./helpers.js";
import { readStateJson, seedSandboxOrders, writeRecordAsIntent } from "./state-json.js";

type SavedAction = { kind: string; name: string; customer: string } & Record<string, unknown>;
interface SavedPlan {
  options: { customers: string[]; replace: string[]; allowDuplicate: string[] };
  actions: SavedAction[];
}

let sandbox: RunningSandbox;
/** Forgets request ids at once, as Partner Center may (its retention is undocumented). */
let forgetfulSandbox: RunningSandbox;
const projects: TestProject[] = [];

async function createProject(url = sandbox.url, extraConfig = ""): Promise<TestProject> {
  const project = await createTestProject(url, extraConfig);
  projects.push(project);
  return project;
}

const SEATS = createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  forgetfulSandbox = await startSandbox({ port: 0, requestIdTtlMs: 1 });
});
afterAll(async () => {
  await sandbox.close();
  await forgetfulSandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  await resetSandbox(forgetfulSandbox.url);
});
afterEach(async () => {
  for (const project of projects.splice(0)) await project.cleanup();
});

describe("saved plans", () => {
  it("refuses a hand-edited plan that turns an in-sync order (no-op) into a --replace create", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await project.run(["plan", "--out", "plan.json"])).code).toBe(0);

    const plan = JSON.parse(await readFile(join(project.dir, "plan.json"), "utf8")) as SavedPlan;
    const noop = plan.actions.find((a) => a.kind === "no-op") as SavedAction & {
      stateOrder: { orderId: string; applied: unknown };
    };
    // What `plan --replace contoso/seats` would never produce: it says "--replace has no effect".
    plan.actions = [
      {
        kind: "create",
        name: noop.name,
        customer: noop.customer,
        reason: "edited",
        content: noop.stateOrder.applied,
        replaces: { orderId: noop.stateOrder.orderId },
      },
    ];
    plan.options.replace = [noop.name];
    await writeFile(join(project.dir, "plan.json"), JSON.stringify(plan));

    const apply = await project.run(["apply", "plan.json"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("apply.plan-check-failed");
    // The declared order is in sync: a second, identical order must not be bought.
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });

  it("refuses a hand-edited resume that adopts, without sending, an order the intent cannot have made", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    // As if killed after the POST: the record becomes its intent, started 30 s before the order.
    const record = await writeRecordAsIntent(project, "contoso/seats");
    const createdMs = Date.parse(record.creationDate);
    // An identical order bought by hand two days before the intent: never a candidate.
    const [old] = await seedSandboxOrders(sandbox.url, [
      {
        customer: CONTOSO,
        creationDate: new Date(createdMs - 2 * 86_400_000).toISOString(),
        billingCycle: "monthly",
        lineItems: [{ lineItemNumber: 0, offerId: LICENSE_OFFER, quantity: 7, termDuration: "P1M" }],
      },
    ]);
    expect((await project.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const plan = JSON.parse(await readFile(join(project.dir, "plan.json"), "utf8")) as SavedPlan;
    const resume = plan.actions.find((a) => a.kind === "resume") as SavedAction & { adopt?: unknown };
    expect(resume.adopt).toBeDefined(); // the intent's own order, as a fallback
    resume.adopt = {
      orderId: old?.id,
      mode: "instead",
      order: {
        id: old?.id,
        customer: CONTOSO,
        billingCycle: "monthly",
        status: "completed",
        creationDate: new Date(createdMs).toISOString(), // the file says what the editor wants
        lineItems: [{ lineItemNumber: 0, offerId: LICENSE_OFFER, quantity: 7, termDuration: "P1M" }],
      },
    };
    await writeFile(join(project.dir, "plan.json"), JSON.stringify(plan));

    const apply = await project.run(["apply", "plan.json"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("apply.plan-check-failed");
    // The intent's own order is the one to record, never the hand-bought one.
    const after = await readStateJson(project);
    expect(after.orders["contoso/seats"]?.orderId).not.toBe(old?.id);
  });
});

describe("resume", () => {
  it("a business error on re-send does not drop an intent whose own order is listed (the fallback candidate)", async () => {
    const project = await createProject(forgetfulSandbox.url, "visibilityWindowMs: 1000");
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    // Killed after the POST: the order exists, the state only holds the intent.
    const record = await writeRecordAsIntent(project, "contoso/seats");
    const createdMs = Date.parse(record.creationDate);
    // Four older, different subscriptions: with the intent's own order the customer is at the
    // sandbox's limit of five, so a re-send the service does not recognise is refused (800018).
    await seedSandboxOrders(
      forgetfulSandbox.url,
      [1, 2, 3, 4].map(() => ({
        customer: CONTOSO,
        creationDate: new Date(createdMs - 2 * 86_400_000).toISOString(),
        billingCycle: "monthly",
        lineItems: [{ lineItemNumber: 0, offerId: LICENSE_OFFER, quantity: 1, termDuration: "P1M" }],
      })),
    );
    const plan = await project.run(["plan"]);
    expect(plan.stdout).toContain(`only if the service cannot answer, order ${record?.orderId}`);

    const apply = await project.run(["apply", "--auto-approve"]);
    const after = await readStateJson(project);
    // The order the intent made must not be forgotten: recorded, or the intent kept pending.
    // The refusal shows the service no longer knows the id: the only candidate is recorded.
    expect(apply.code).toBe(0);
    expect(after.orders["contoso/seats"]?.orderId).toBe(record?.orderId);
    expect((after.orders["contoso/seats"] as { origin?: string } | undefined)?.origin).toBe("adopted");
    expect(after.pending).toEqual({});
    expect(await listSandboxOrders(forgetfulSandbox.url)).toHaveLength(5);
  });
});

describe("import", () => {
  it("refuses to import an order that another name's pending create may have made", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const record = await writeRecordAsIntent(project, "contoso/seats");
    // A second declaration with identical content (deliberately two orders).
    await project.writeOrder("twin.yaml", SEATS.replace("contoso/seats", "contoso/twin-seats"));

    const imported = await project.run(["import", "contoso/twin-seats", record?.orderId ?? ""]);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain("import.pending-may-own");

    // Had it been imported, the resume below binds the same order to contoso/seats too.
    await project.run(["apply", "--auto-approve"]);
    const after = await readStateJson(project);
    const ids = Object.values(after.orders).map((o) => o.orderId.toLowerCase());
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("order names", () => {
  it("an order named `constructor` (a valid name) is bought once and planned afterwards", async () => {
    const project = await createProject();
    await project.writeOrder("c.yaml", createOrderYaml("constructor", CONTOSO, LICENSE_OFFER, 7));
    const first = await project.run(["apply", "--auto-approve"]);
    expect(first.code).toBe(0);
    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });
});
