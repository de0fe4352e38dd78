/**
 * `orderform generate` end to end: the built CLI against a sandbox over loopback. Orders are
 * seeded through the sandbox's admin API as if placed in the portal; generate must declare each
 * untracked one once, record it, buy nothing, and leave validate and plan clean. Bad input must
 * end with a clear error and nothing written (no file, no state).
 */
import { readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTOSO,
  createOrderYaml,
  FABRIKAM,
  LEGACY_OFFER,
  LICENSE_OFFER,
  fetchJson,
  listSandboxOrders,
  setSandboxFaults,
  useSandboxProject,
} from "./helpers.js";
import { writeRecordAsIntent } from "./state-json.js";

/** A customer whose company name has no Latin letter at all. */
const KABUSHIKI = "5e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b";

const harness = useSandboxProject();

async function postAdmin(path: string, body: unknown): Promise<{ items: { order: { id: string } }[] }> {
  return fetchJson(`${harness.sandbox.url}/_sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function createSeed(customer: string, offerId: string, quantity: number, extra: object = {}): object {
  const term = offerId === LICENSE_OFFER ? { termDuration: "P1M" } : {};
  return {
    customer,
    ...extra,
    order: { billingCycle: "monthly", lineItems: [{ lineItemNumber: 0, offerId, quantity, ...term }] },
  };
}

/** Two Contoso orders of the same offer, a Fabrikam one, a cancelled one, one of a non-Latin name. */
async function seedEstate(): Promise<string[]> {
  await postAdmin("customers", { id: KABUSHIKI, companyProfile: { companyName: "株式会社" } });
  const seeded = await postAdmin("orders", [
    createSeed(CONTOSO, LICENSE_OFFER, 5, { creationDate: "2026-01-01T00:00:00Z" }),
    createSeed(CONTOSO, LICENSE_OFFER, 6, { creationDate: "2026-02-01T00:00:00Z" }),
    createSeed(FABRIKAM, LEGACY_OFFER, 3),
    createSeed(FABRIKAM, LEGACY_OFFER, 4, { status: "cancelled" }),
    createSeed(KABUSHIKI, LEGACY_OFFER, 2),
  ]);
  return seeded.items.map((i) => i.order.id);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const GENERATED = [
  "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p-2.yaml",
  "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p.yaml",
  "customer-5e1d2c3b/84a03d81-6b37-4d66-8d4a-faea24541538.yaml",
  "fabrikam/84a03d81-6b37-4d66-8d4a-faea24541538.yaml",
];

describe("orderform generate", () => {
  it("declares every untracked order once, records them in one version, buys nothing, and leaves validate and plan clean", async () => {
    await seedEstate();
    const outDir = join(harness.project.dir, "orders", "generated");

    const dry = await harness.project.run(["generate", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Would write 4 file(s) under orders/generated");
    expect(dry.stdout).toContain("1 cancelled (skipped)");
    expect(dry.stdout).toContain(
      "+ orders/generated/customer-5e1d2c3b/84a03d81-6b37-4d66-8d4a-faea24541538.yaml",
    );
    expect(await listFiles(outDir)).toEqual([]);
    expect(await harness.project.readState()).toBeNull();

    const run = await harness.project.run(["generate"]);
    expect(run.code, run.stderr).toBe(0);
    expect(await listFiles(outDir)).toEqual(GENERATED);
    const first = await readFile(join(outDir, GENERATED[1] as string), "utf8");
    expect(first).toMatch(/^# yaml-language-server: \$schema=\S+\/schemas\/order\.schema\.json\n/);
    expect(first).toContain("name: contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p\n");
    expect(first).toContain("quantity: 5\n");

    const state = (await harness.project.readState()) as {
      serial: number;
      orders: Record<string, { origin: string }>;
    };
    expect(state.serial).toBe(1);
    expect(Object.keys(state.orders).sort()).toEqual(GENERATED.map((f) => f.replace(/\.yaml$/, "")).sort());
    expect(Object.values(state.orders).every((o) => o.origin === "imported")).toBe(true);
    const history = await harness.project.run(["state", "history"]);
    expect(history.stdout).toMatch(/^1 .* generate: /m);

    const validate = await harness.project.run(["validate"]);
    expect(validate.code, validate.stdout).toBe(0);
    const plan = await harness.project.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(await listSandboxOrders(harness.sandbox.url)).toHaveLength(5);

    const again = await harness.project.run(["generate"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Nothing to generate");
    expect(((await harness.project.readState()) as { serial: number }).serial).toBe(1);
  });

  it("finishes the job after a crash between the files and the state: the rerun adopts its own files", async () => {
    await seedEstate();
    expect((await harness.project.run(["generate"])).code).toBe(0);
    // The state as it was before generate (none): the files are there, no record is.
    await rm(join(harness.project.dir, "orderform.state.json"));
    await rm(join(harness.project.dir, "orderform.state.json.history"), { recursive: true });

    const rerun = await harness.project.run(["generate", "--json"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout) as { files: { file: string; adopted: boolean }[] };
    expect(summary.files).toHaveLength(4);
    expect(summary.files.every((f) => f.adopted)).toBe(true);
    expect(Object.keys(((await harness.project.readState()) as { orders: object }).orders)).toHaveLength(4);
    expect((await harness.project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("generates only the customers given, and refuses an unknown customer before writing anything", async () => {
    await seedEstate();
    const one = await harness.project.run(["generate", "--customer", FABRIKAM, "--json"]);
    expect(one.code, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as { files: { name: string }[] }).files.map((f) => f.name)).toEqual([
      "fabrikam/84a03d81-6b37-4d66-8d4a-faea24541538",
    ]);

    const unknown = "0badc0de-0000-4000-8000-000000000000";
    const refused = await harness.project.run(["generate", "--customer", CONTOSO, "--customer", unknown]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("generate.unknown-customer");
    expect(refused.stderr).toContain(unknown);
    expect(await listFiles(join(harness.project.dir, "orders", "generated", "contoso"))).toEqual([]);
    expect(((await harness.project.readState()) as { serial: number }).serial).toBe(1);
  });

  it("removes the files it wrote when a customer's list fails, and records nothing", async () => {
    await seedEstate();
    // 501 is not retried: the list of Fabrikam fails at once, the others succeed.
    await setSandboxFaults(harness.sandbox.url, {
      errorRate: {
        probability: 1,
        status: 501,
        route: { method: "GET", pathPattern: `/customers/${FABRIKAM}/orders$` },
      },
    });
    const result = await harness.project.run(["generate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("partner-center.http");
    expect(await listFiles(join(harness.project.dir, "orders", "generated"))).toEqual([]);
    expect(await harness.project.readState()).toBeNull();
  });

  it("refuses a partner without customers", async () => {
    const tenant = "00000000-0000-4000-8000-0000000000e0";
    await postAdmin("partners", { tenantId: tenant, clientId: "lonely", clientSecret: "sandbox-secret" });
    const config = join(harness.project.dir, "orderform.config.yaml");
    const text = await readFile(config, "utf8");
    await writeFile(
      config,
      text.replace(/tenantId: .*/, `tenantId: ${tenant}`).replace(/clientId: .*/, "clientId: lonely"),
    );
    const result = await harness.project.run(["generate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("generate.no-customers");
    expect(await harness.project.readState()).toBeNull();
  });

  it("refuses an out-dir that cannot be a folder, with nothing written", async () => {
    await seedEstate();
    await writeFile(join(harness.project.dir, "orders", "not-a-dir.yaml"), "");
    const result = await harness.project.run(["generate", "--out-dir", "orders/not-a-dir.yaml/x"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("generate.out-dir-unwritable");
    expect(await harness.project.readState()).toBeNull();
  });

  it("refuses to overwrite a file with other content, naming it, with nothing written", async () => {
    await seedEstate();
    const outDir = join(harness.project.dir, "orders", "generated");
    await mkdir(join(outDir, "fabrikam"), { recursive: true });
    const mine = "# my own notes, not an order\n";
    await writeFile(join(outDir, "fabrikam", "84a03d81-6b37-4d66-8d4a-faea24541538.yaml"), mine);
    const result = await harness.project.run(["generate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("generate.file-exists");
    expect(result.stderr).toContain("orders/generated/fabrikam/84a03d81-6b37-4d66-8d4a-faea24541538.yaml");
    expect(await listFiles(outDir)).toEqual(["fabrikam/84a03d81-6b37-4d66-8d4a-faea24541538.yaml"]);
    expect(
      await readFile(join(outDir, "fabrikam", "84a03d81-6b37-4d66-8d4a-faea24541538.yaml"), "utf8"),
    ).toBe(mine);
    expect(await harness.project.readState()).toBeNull();
  });

  it("names around a declared order of the same name", async () => {
    await seedEstate();
    await harness.project.writeOrder(
      "contoso.yaml",
      [
        "name: contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p",
        `customer: ${CONTOSO}`,
        "billingCycle: monthly",
        "lineItems:",
        `  - offerId: "${LEGACY_OFFER}"`,
        "    quantity: 1",
      ].join("\n") + "\n",
    );
    const result = await harness.project.run(["generate", "--customer", CONTOSO, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { files: { name: string }[] }).files.map((f) => f.name)).toEqual([
      "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p-2",
      "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p-3",
    ]);
  });
});

describe("orderform generate next to declarations that state does not record", () => {
  it("leaves an order that a declaration not in state matches to import, so apply cannot buy it twice", async () => {
    await harness.project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7),
    );
    expect((await harness.project.run(["apply", "--auto-approve"])).code).toBe(0);
    const [placed] = await listSandboxOrders(harness.sandbox.url);
    // The record is lost (the state of another checkout, rolled back): the order is untracked.
    await rm(join(harness.project.dir, "orderform.state.json"));
    await rm(join(harness.project.dir, "orderform.state.json.history"), { recursive: true });

    const generated = await harness.project.run(["generate", "--json"]);
    expect(generated.code, generated.stderr).toBe(0);
    const summary = JSON.parse(generated.stdout) as {
      files: unknown[];
      declared: { name: string; orderId: string }[];
    };
    expect(summary.files).toEqual([]);
    expect(summary.declared).toEqual([
      { name: "contoso/seats", customer: CONTOSO, orderId: placed?.order.id },
    ]);
    expect(await harness.project.readState()).toBeNull();

    const apply = await harness.project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).toContain("plan.untracked-duplicate");
    expect(await listSandboxOrders(harness.sandbox.url)).toHaveLength(1);
  });
});

describe("orderform generate after a crash, when the estate changed before the rerun", () => {
  it("names the file it left for an order it no longer declares, which plan would buy again", async () => {
    const [orderId] = (await postAdmin("orders", [createSeed(CONTOSO, LICENSE_OFFER, 5)])).items.map(
      (i) => i.order.id,
    );
    expect((await harness.project.run(["generate"])).code).toBe(0);
    // Killed between the files and the state: the file is there, no record is.
    await rm(join(harness.project.dir, "orderform.state.json"));
    await rm(join(harness.project.dir, "orderform.state.json.history"), { recursive: true });
    // Meanwhile the partner cancels the order in the portal.
    await fetchJson(`${harness.sandbox.url}/_sandbox/orders/${orderId ?? ""}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "cancelled" }),
    });

    const rerun = await harness.project.run(["generate", "--json"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout) as { files: unknown[]; leftover: unknown[] };
    expect(summary.files).toEqual([]);
    expect(summary.leftover).toEqual([
      {
        file: "orders/generated/contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p.yaml",
        name: "contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p",
        orderId,
      },
    ]);
    const text = await harness.project.run(["generate", "--dry-run"]);
    expect(text.stdout).toContain(
      "! orders/generated/contoso/cfq7ttc0lh0z-0001-cfq7ttc0k18p.yaml was written by an earlier generate",
    );
    expect(text.stdout).not.toContain("Nothing to generate: every order is declared and in state.");
  });
});

describe("orderform generate run twice at once", () => {
  it("declares and records each order once: the second run waits for the lock and finds them tracked", async () => {
    await seedEstate();
    const runs = await Promise.all([
      harness.project.run(["generate", "--lock-timeout", "60s", "--json"]),
      harness.project.run(["generate", "--lock-timeout", "60s", "--json"]),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const files = runs.map((run) => (JSON.parse(run.stdout) as { files: unknown[] }).files.length).sort();
    expect(files).toEqual([0, 4]);
    expect(await listFiles(join(harness.project.dir, "orders", "generated"))).toEqual(GENERATED);
    const state = (await harness.project.readState()) as { serial: number; orders: object };
    expect(state.serial).toBe(1);
    expect(Object.keys(state.orders)).toHaveLength(4);
  });
});

describe("orderform generate next to a create whose outcome is unknown", () => {
  it("leaves the order a pending create placed to apply, which records it under its own name", async () => {
    await harness.project.writeOrder(
      "contoso.yaml",
      createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7),
    );
    expect((await harness.project.run(["apply", "--auto-approve"])).code).toBe(0);
    // Killed after the POST: the order exists, the state holds only the intent.
    await writeRecordAsIntent(harness.project, "contoso/seats");

    const generated = await harness.project.run(["generate", "--json"]);
    expect(generated.code, generated.stderr).toBe(0);
    const summary = JSON.parse(generated.stdout) as { files: unknown[]; tracked: number };
    expect(summary).toMatchObject({ files: [], tracked: 1 });

    const resumed = await harness.project.run(["apply", "--auto-approve"]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const [placed] = await listSandboxOrders(harness.sandbox.url);
    expect(await listSandboxOrders(harness.sandbox.url)).toHaveLength(1);
    const state = (await harness.project.readState()) as { orders: Record<string, { orderId: string }> };
    expect(Object.keys(state.orders)).toEqual(["contoso/seats"]);
    expect(state.orders["contoso/seats"]?.orderId).toBe(placed?.order.id);
  });
});
