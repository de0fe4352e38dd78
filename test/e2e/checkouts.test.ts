/**
 * The promise across checkouts, re-runs and hand-edited files (docs/exactly-once.md): the built CLI
 * against a real sandbox over loopback. Each test counts the sandbox's own orders, not only
 * orderform's output.
 */
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import { createRequestId } from "../../src/core/request-id.js";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  listSandboxOrders,
  resetSandbox,
  writeStandardOrders,
  type TestProject,
} from "./helpers.js";
import { readStateJson, seedSandboxOrders, writeRecordAsIntent } from "./state-json.js";

let sandbox: RunningSandbox;
/** New orders stay out of the customer's list for a minute, as Partner Center's list may lag. */
let laggingSandbox: RunningSandbox;
const projects: TestProject[] = [];

async function createProject(url = sandbox.url): Promise<TestProject> {
  const project = await createTestProject(url);
  projects.push(project);
  return project;
}

/** A second checkout of the same repository: the order files and the committed state with its history. */
async function cloneProject(from: TestProject, url = sandbox.url): Promise<TestProject> {
  const copy = await createProject(url);
  await cp(join(from.dir, "orders"), join(copy.dir, "orders"), { recursive: true });
  for (const name of await readdir(from.dir)) {
    if (name.startsWith("orderform.state.json") && !name.endsWith(".lock")) {
      await cp(join(from.dir, name), join(copy.dir, name), { recursive: true });
    }
  }
  return copy;
}

const SEATS = createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  laggingSandbox = await startSandbox({ port: 0, listDelayMs: 60_000 });
});
afterAll(async () => {
  await sandbox.close();
  await laggingSandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  await resetSandbox(laggingSandbox.url);
});
afterEach(async () => {
  for (const project of projects.splice(0)) await project.cleanup();
});

describe("never buy blindly next to an identical order", () => {
  it("blocks a second checkout without the state, names the order and its remedies, and import settles it", async () => {
    const first = await createProject();
    await writeStandardOrders(first);
    expect((await first.run(["apply", "--auto-approve"])).code).toBe(0);
    const placed = (await readStateJson(first)).orders["contoso/seats"];

    const second = await createProject();
    await writeStandardOrders(second);
    const plan = await second.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain("plan.untracked-duplicate");
    expect(plan.stdout).toContain(`order ${placed?.orderId} (created ${placed?.creationDate})`);
    expect(plan.stdout).toContain(`orderform import contoso/seats ${placed?.orderId}`);
    expect(plan.stdout).toContain("--allow-duplicate contoso/seats");
    expect(plan.stdout).toContain("(orders/contoso.yaml:1:1)");

    const apply = await second.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);

    for (const [name, record] of Object.entries((await readStateJson(first)).orders)) {
      expect((await second.run(["import", name, record.orderId])).code).toBe(0);
    }
    expect((await second.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);
  });

  it("blocks a stale checkout of a committed state (a re-run whose state push failed)", async () => {
    const first = await createProject();
    await first.writeOrder("contoso.yaml", SEATS);
    expect((await first.run(["apply", "--auto-approve"])).code).toBe(0);
    const stale = await cloneProject(first);

    const more = createOrderYaml("contoso/more-seats", CONTOSO, LICENSE_OFFER, 3);
    await first.writeOrder("more.yaml", more);
    expect((await first.run(["apply", "--auto-approve"])).code).toBe(0);

    await stale.writeOrder("more.yaml", more);
    const rerun = await stale.run(["apply", "--auto-approve"]);
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain("Error: the plan has errors; nothing was bought.");
    expect(rerun.stdout).toContain("plan.untracked-duplicate");
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(2);
  });

  it("blocks a create after `state rm`, and --allow-duplicate buys a deliberate second order with a new request id", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const before = await readStateJson(project);
    expect((await project.run(["state", "rm", "contoso/seats"])).code).toBe(0);

    const blocked = await project.run(["apply", "--auto-approve"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain("plan.untracked-duplicate");
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);

    const allowed = await project.run(["apply", "--auto-approve", "--allow-duplicate", "contoso/seats"]);
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
    const orders = await listSandboxOrders(sandbox.url);
    expect(orders).toHaveLength(2);
    // `state rm` kept the generation, so the second purchase did not reuse the first request id.
    const after = await readStateJson(project);
    expect(new Set(orders.map((o) => o.requestId)).size).toBe(2);
    expect(after.orders["contoso/seats"]?.requestId).not.toBe(before.orders["contoso/seats"]?.requestId);
    expect(after.generations?.["contoso/seats"]).toBe(2);
  });

  it("suggests `state mv` for a renamed order; state mv moves the record in one history version", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const orderId = (await readStateJson(project)).orders["contoso/seats"]?.orderId;
    await project.writeOrder("contoso.yaml", SEATS.replace("contoso/seats", "contoso/office-seats"));

    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain("plan.renamed-order");
    expect(plan.stdout).toContain("orderform state mv contoso/seats contoso/office-seats");
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(1);

    const mv = await project.run(["state", "mv", "contoso/seats", "contoso/office-seats"]);
    expect(mv.stderr).toBe("");
    expect(mv.stdout).toContain(`Moved contoso/seats to contoso/office-seats (order ${orderId})`);
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    const history = JSON.parse((await project.run(["state", "history", "--json"])).stdout) as {
      command: string;
    }[];
    expect(history.map((h) => h.command)).toEqual(["apply", "state mv contoso/seats contoso/office-seats"]);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);

    const again = await project.run(["state", "mv", "contoso/seats", "contoso/office-seats"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no order named contoso/seats in state");
  });
});

describe("derived request ids", () => {
  it("two checkouts of one state applying at once send the same id, and the service answers both with one order", async () => {
    const base = await createProject(laggingSandbox.url);
    await base.writeOrder("contoso.yaml", SEATS);
    expect((await base.run(["apply", "--auto-approve"])).code).toBe(0);
    const a = await cloneProject(base, laggingSandbox.url);
    const b = await cloneProject(base, laggingSandbox.url);
    const more = createOrderYaml("contoso/more-seats", CONTOSO, LICENSE_OFFER, 3);
    await a.writeOrder("more.yaml", more);
    await b.writeOrder("more.yaml", more);

    // The list hides new orders, so neither run can see the other's order: only the id can.
    const [ra, rb] = await Promise.all([
      a.run(["apply", "--auto-approve"]),
      b.run(["apply", "--auto-approve"]),
    ]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const orders = await listSandboxOrders(laggingSandbox.url);
    expect(orders).toHaveLength(2);
    const [sa, sb] = [await readStateJson(a), await readStateJson(b)];
    const recordA = sa.orders["contoso/more-seats"];
    expect(recordA?.orderId).toBe(sb.orders["contoso/more-seats"]?.orderId);
    expect(recordA?.requestId).toBe(sb.orders["contoso/more-seats"]?.requestId);
    // The documented rule: lineage, name, content as sent, generation 0 for a first purchase.
    expect(recordA?.requestId).toBe(
      createRequestId({
        lineage: sa.lineage,
        name: "contoso/more-seats",
        content: recordA?.applied as Parameters<typeof createRequestId>[0]["content"],
        generation: 0,
      }),
    );
  });
});

describe("saved plans are checked, not trusted", () => {
  it("does not save a plan with errors", async () => {
    const first = await createProject();
    await first.writeOrder("contoso.yaml", SEATS);
    expect((await first.run(["apply", "--auto-approve"])).code).toBe(0);
    const second = await createProject();
    await second.writeOrder("contoso.yaml", SEATS);
    const plan = await second.run(["plan", "--out", "plan.json"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).not.toContain("orderform apply");
    expect(plan.stderr).toContain("it was not saved to plan.json");
    await expect(readFile(join(second.dir, "plan.json"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a plan saved before another checkout bought the same orders, after listing them again", async () => {
    const first = await createProject();
    const second = await createProject();
    await first.writeOrder("contoso.yaml", SEATS);
    await second.writeOrder("contoso.yaml", SEATS);
    expect((await second.run(["plan", "--out", "plan.json"])).code).toBe(0);
    expect((await first.run(["apply", "--auto-approve"])).code).toBe(0);

    const apply = await second.run(["apply", "plan.json"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("apply.plan-check-failed");
    expect(apply.stderr).toContain("contoso/seats would buy an order identical to order");
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });

  it.each([
    {
      name: "a create sent to another customer than declared",
      edit: (plan: SavedPlan) => {
        const create = plan.actions.find((a) => a.kind === "create");
        if (create) create.customer = "f81d98dd-c2f4-499e-a194-5619e260344e";
      },
      says: "action 1 (create contoso/more-seats): its customer f81d98dd-c2f4-499e-a194-5619e260344e is not the declared customer",
    },
    {
      name: "a create for a name state already records",
      edit: (plan: SavedPlan) => {
        // A copy of the create with contoso/seats's name and declared content (7 seats).
        const create = plan.actions.find((a) => a.kind === "create") as SavedAction & {
          content: { lineItems: { quantity: number }[] };
        };
        const copy = JSON.parse(JSON.stringify(create)) as typeof create;
        copy.name = "contoso/seats";
        for (const item of copy.content.lineItems) item.quantity = 7;
        plan.actions.push(copy);
      },
      says: "(create contoso/seats): state already records order",
    },
  ])("refuses a hand-edited plan: $name, and buys nothing", async ({ edit, says }) => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await project.writeOrder("more.yaml", createOrderYaml("contoso/more-seats", CONTOSO, LICENSE_OFFER, 3));
    expect((await project.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const plan = JSON.parse(await readFile(join(project.dir, "plan.json"), "utf8")) as SavedPlan;
    edit(plan);
    await writeFile(join(project.dir, "plan.json"), JSON.stringify(plan));

    const apply = await project.run(["apply", "plan.json"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("apply.plan-check-failed");
    expect(apply.stderr).toContain(says);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(1);
  });

  it("refuses a resume whose intent was edited, or that adopts an order bound to another name", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    await project.writeOrder("more.yaml", createOrderYaml("contoso/more-seats", CONTOSO, LICENSE_OFFER, 3));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    // As if killed after sending contoso/more-seats: its record becomes the intent it came from.
    const record = await writeRecordAsIntent(
      project,
      "contoso/more-seats",
      new Date(Date.now() - 60_000).toISOString(),
    );
    expect((await project.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const saved = await readFile(join(project.dir, "plan.json"), "utf8");

    const edited = JSON.parse(saved) as SavedPlan;
    const resume = edited.actions.find((a) => a.kind === "resume") as SavedAction & {
      intent: { requestId: string };
    };
    resume.intent.requestId = "11111111-2222-4333-8444-555555555555";
    await writeFile(join(project.dir, "edited.json"), JSON.stringify(edited));
    const refused = await project.run(["apply", "edited.json"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "(resume contoso/more-seats): its intent differs from the pending create in state",
    );

    const bound = JSON.parse(saved) as SavedPlan;
    const other = bound.actions.find((a) => a.name === "contoso/seats") as SavedAction & {
      stateOrder: { orderId: string };
    };
    const adopting = bound.actions.find((a) => a.kind === "resume") as SavedAction & { adopt?: unknown };
    const boundOrder = (await listSandboxOrders(sandbox.url)).find(
      (o) => o.order.id === other.stateOrder.orderId,
    );
    adopting.adopt = {
      orderId: other.stateOrder.orderId,
      mode: "instead",
      order: {
        id: other.stateOrder.orderId,
        customer: CONTOSO,
        billingCycle: "monthly",
        status: "completed",
        creationDate: new Date().toISOString(),
        lineItems: [{ lineItemNumber: 0, offerId: LICENSE_OFFER, quantity: 3, termDuration: "P1M" }],
      },
    };
    expect(boundOrder).toBeDefined();
    await writeFile(join(project.dir, "bound.json"), JSON.stringify(bound));
    const refusedBound = await project.run(["apply", "bound.json"]);
    expect(refusedBound.code).toBe(1);
    expect(refusedBound.stderr).toContain(`which state binds to contoso/seats`);
    expect((await readStateJson(project)).pending["contoso/more-seats"]).toBeDefined();

    // The unedited plan resumes: the re-sent request id is answered with the order it made.
    const applied = await project.run(["apply", "plan.json"]);
    expect(applied.code).toBe(0);
    expect((await readStateJson(project)).orders["contoso/more-seats"]?.orderId).toBe(record?.orderId);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(2);
  });

  it("saves and applies plans in a project with imported orders", async () => {
    const first = await createProject();
    await first.writeOrder("contoso.yaml", SEATS);
    expect((await first.run(["apply", "--auto-approve"])).code).toBe(0);
    const orderId = (await readStateJson(first)).orders["contoso/seats"]?.orderId ?? "";
    const second = await createProject();
    await second.writeOrder("contoso.yaml", SEATS);
    expect((await second.run(["import", "contoso/seats", orderId])).code).toBe(0);
    await second.writeOrder("more.yaml", createOrderYaml("contoso/more-seats", CONTOSO, LICENSE_OFFER, 3));
    const plan = await second.run(["plan", "--out", "plan.json"]);
    expect(plan.code).toBe(0);
    const apply = await second.run(["apply", "plan.json"]);
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(2);
  });
});

describe("adoption binds the right order", () => {
  it("re-sends the intent's request id first and records the order it made, not a look-alike listed next to it", async () => {
    const project = await createProject();
    await project.writeOrder("contoso.yaml", SEATS);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    // As if killed after the POST: the record becomes its intent, started 30 s before the order.
    const record = await writeRecordAsIntent(project, "contoso/seats");
    const createdMs = Date.parse(record.creationDate);
    // Someone else's identical order, listed earlier than ours and after the intent started.
    await seedSandboxOrders(sandbox.url, [
      {
        customer: CONTOSO,
        creationDate: new Date(createdMs - 10_000).toISOString(),
        billingCycle: "monthly",
        lineItems: [{ lineItemNumber: 0, offerId: LICENSE_OFFER, quantity: 7, termDuration: "P1M" }],
      },
    ]);

    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect((await readStateJson(project)).orders["contoso/seats"]?.orderId).toBe(record?.orderId);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(2);
  });
});

type SavedAction = { kind: string; name: string; customer: string } & Record<string, unknown>;
interface SavedPlan {
  actions: SavedAction[];
}
