/**
 * Customer names end to end (docs/state.md, "Customer names"): the built CLI against a sandbox over
 * loopback. generate and apply record the names they learn; plan shows names from state and reads
 * a customer by id only when it has creates and no recorded name (once per customer); a name is
 * untrusted text; a tenant id that is not the partner's is one diagnostic; old state reads as before.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTOSO,
  FABRIKAM,
  LEGACY_OFFER,
  LICENSE_OFFER,
  createOrderYaml,
  fetchJson,
  listSandboxOrders,
  useSandboxProject,
  writeStandardOrders,
} from "./helpers.js";

const harness = useSandboxProject();

/** A company name written to break out of a terminal line, a markdown table and an HTML summary. */
const HOSTILE = "Evil | Corp `x` <!-- <b>*hi*</b> [a](https://e.example)\n\u001b[2J";
const HOSTILE_ID = "7d3e9f1a-2b4c-4d5e-8f6a-9b0c1d2e3f4a";

async function postAdmin(path: string, body: unknown): Promise<unknown> {
  return fetchJson(`${harness.sandbox.url}/_sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** GET /v1/customers/{customerId} requests the sandbox answered since its last reset. */
async function countCustomerReads(): Promise<number> {
  const stats = await fetchJson<{ routes: Record<string, Record<string, number>> }>(
    `${harness.sandbox.url}/_sandbox/stats`,
  );
  return Object.values(stats.routes["GET /v1/customers/{customerId}"] ?? {}).reduce((a, b) => a + b, 0);
}

async function readCustomers(): Promise<Record<string, { companyName: string }> | undefined> {
  const state = (await harness.project.readState()) as {
    customers?: Record<string, { companyName: string }>;
  };
  return state.customers;
}

describe("customer names", () => {
  it("reads a new customer's name once per plan, shows it, and apply keeps it for the next plans", async () => {
    const { project } = harness;
    await project.writeOrder("fabrikam-a.yaml", createOrderYaml("fabrikam/a", FABRIKAM, LICENSE_OFFER, 2));
    await project.writeOrder("fabrikam-b.yaml", createOrderYaml("fabrikam/b", FABRIKAM, LEGACY_OFFER, 3));

    const before = await countCustomerReads();
    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`  Customer ${FABRIKAM} (Fabrikam)`);
    expect((await countCustomerReads()) - before).toBe(1);

    const json = await project.run(["plan", "--format", "json"]);
    const document = JSON.parse(json.stdout) as { actions: { customer: string; companyName?: string }[] };
    expect(document.actions.map((a) => a.companyName)).toEqual(["Fabrikam", "Fabrikam"]);

    const applied = await project.run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`\nCustomer ${FABRIKAM} (Fabrikam)\nfabrikam/`);
    expect(await readCustomers()).toMatchObject({ [FABRIKAM]: { companyName: "Fabrikam" } });

    // Named in state now: a further create for the customer costs no read.
    await project.writeOrder("fabrikam-c.yaml", createOrderYaml("fabrikam/c", FABRIKAM, LEGACY_OFFER, 1));
    const again = await countCustomerReads();
    const next = await project.run(["plan", "--refresh=false"]);
    expect(next.code).toBe(0);
    expect(next.stdout).toContain(`  Customer ${FABRIKAM} (Fabrikam)`);
    expect(await countCustomerReads()).toBe(again);

    const list = await project.run(["state", "list"]);
    expect(list.stdout).toContain(`fabrikam/a  customer ${FABRIKAM} (Fabrikam)\n`);
    const show = await project.run(["state", "show", "fabrikam/a"]);
    expect(show.stdout).toContain(`customer:       ${FABRIKAM} (Fabrikam)\n`);
  });

  it("plan shows the names generate recorded, without reading any customer", async () => {
    const { project } = harness;
    await postAdmin("orders", [
      {
        customer: CONTOSO,
        order: {
          billingCycle: "monthly",
          lineItems: [{ lineItemNumber: 0, offerId: LEGACY_OFFER, quantity: 2 }],
        },
      },
    ]);
    expect((await project.run(["generate"])).code).toBe(0);
    expect(await readCustomers()).toMatchObject({ [CONTOSO]: { companyName: "Contoso" } });

    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7));
    const before = await countCustomerReads();
    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`  Customer ${CONTOSO} (Contoso)`);
    expect(await countCustomerReads()).toBe(before);
  });

  it("escapes a hostile company name in the terminal and in markdown", async () => {
    const { project } = harness;
    await postAdmin("customers", { id: HOSTILE_ID, companyProfile: { companyName: HOSTILE } });
    await project.writeOrder("evil.yaml", createOrderYaml("evil/seats", HOSTILE_ID, LEGACY_OFFER, 1));

    const text = await project.run(["plan"]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain("\u001b");
    expect(text.stdout).toContain(
      `  Customer ${HOSTILE_ID} (Evil | Corp \`x\` <!-- <b>*hi*</b> [a](https://e.example) [2J)\n`,
    );

    const markdown = await project.run(["plan", "--format", "markdown"]);
    expect(markdown.code).toBe(0);
    const md = markdown.stdout;
    for (const raw of ["<!--", "<b>", "](https", "\u001b", "Evil | Corp"]) expect(md).not.toContain(raw);
    const row = md.split("\n").find((line) => line.startsWith(`| \`${HOSTILE_ID}\``)) ?? "";
    // Still one row of the seven-column table: no pipe of the name ends a cell.
    expect(row.split("|")).toHaveLength(9);
    expect(md).toContain(`<details><summary>Customer <code>${HOSTILE_ID}</code> (Evil &#124; Corp`);
  });

  it("a tenant id that is not the partner's customer is one diagnostic, and nothing is bought", async () => {
    const { project } = harness;
    const wrong = "0badc0de-0000-4000-8000-000000000000";
    await writeStandardOrders(project);
    await project.writeOrder("wrong-a.yaml", createOrderYaml("wrong/a", wrong, LEGACY_OFFER, 1));
    await project.writeOrder("wrong-b.yaml", createOrderYaml("wrong/b", wrong, LEGACY_OFFER, 2));

    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stderr.match(/plan\.unknown-customer/g)).toHaveLength(1);
    expect(plan.stderr).toContain(`customer ${wrong} is not one of the partner's customers`);
    expect(plan.stderr).toContain("(wrong/a, wrong/b) were not planned");
    const applied = await project.run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(1);
    expect(await listSandboxOrders(harness.sandbox.url)).toHaveLength(0);
  });

  it("reads state written before names were kept, as before", async () => {
    const { project } = harness;
    await writeStandardOrders(project);
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    // The state as an orderform without names wrote it: no `customers` map.
    const state = await project.readState();
    delete state?.customers;
    await writeFile(join(project.dir, "orderform.state.json"), JSON.stringify(state, null, 2));

    const plan = await project.run(["plan", "--detailed-exitcode"]);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    const list = await project.run(["state", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`contoso/seats  customer ${CONTOSO}\n`);
  });
});
