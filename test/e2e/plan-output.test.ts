/**
 * plan's output end to end: one fixed scenario (a create, a no-op, a drift, an undeclared order)
 * rendered as text, JSON and markdown by the built CLI against a real sandbox over loopback, held
 * to snapshots with what differs from run to run as placeholders; the JSON and the saved plan
 * against the plan schema; and `show` printing a saved plan back exactly as plan printed it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CONTOSO,
  FABRIKAM,
  LEGACY_OFFER,
  REPO_ROOT,
  SANDBOX_TENANT,
  TAILSPIN,
  createOrderYaml,
  fetchJson,
  listSandboxOrders,
  useSandboxProject,
  writeStandardOrders,
} from "./helpers.js";

/**
 * Replaces what differs from run to run (request ids, lineages, subscription ids and other
 * GUIDs, sandbox order ids, timestamps, the temporary project path, the tool version) with
 * numbered placeholders in order of first appearance, so equal structure gives equal text. The
 * fixed sandbox tenant and customer GUIDs are kept: they say whose order it is.
 */
function normalizeVolatile(text: string, projectDir: string): string {
  const keep = new Set([SANDBOX_TENANT, CONTOSO, TAILSPIN, FABRIKAM, LEGACY_OFFER.toLowerCase()]);
  const numbered = (prefix: string) => {
    const seen = new Map<string, string>();
    return (value: string): string => {
      const key = value.toLowerCase();
      if (keep.has(key)) return value;
      let placeholder = seen.get(key);
      if (placeholder === undefined) {
        placeholder = `<${prefix}-${seen.size + 1}>`;
        seen.set(key, placeholder);
      }
      return placeholder;
    };
  };
  return (
    text
      .split(projectDir)
      .join("<project>")
      .replace(/"toolVersion": "[^"]+"/g, '"toolVersion": "<version>"')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g, "<time>")
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, numbered("guid"))
      // Sandbox catalog order ids: 12 hex digits standing alone, not the last group of a kept GUID.
      .replace(/(?<![0-9a-f-])[0-9a-f]{12}(?![0-9a-f-])/g, numbered("order"))
  );
}

async function loadPlanValidator() {
  const readSchema = async (path: string) =>
    JSON.parse(await readFile(join(REPO_ROOT, "schemas", path), "utf8")) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv); // createdAt is a date-time: check it rather than ignore the format
  // The plan's line item, billing cycle, statuses and origins are the state schema's (docs/schemas.md).
  ajv.addSchema([await readSchema("state.schema.json"), await readSchema("partner-center/order.json")]);
  return ajv.compile(await readSchema("plan.schema.json"));
}

const env = useSandboxProject();
beforeEach(async () => {
  await writeStandardOrders(env.project);
});

// Named as when it lived in plan.test.ts, so that its snapshots keep their names.
describe("plan", () => {
  it("renders one fixed scenario as text, JSON and markdown, and saves a plan that show prints back", async () => {
    const applied = await env.project.run(["apply", "--auto-approve"]);
    expect([applied.code, applied.stderr]).toEqual([0, ""]);
    // Cancelled outside orderform: drift.
    const state = (await env.project.readState()) as { orders: Record<string, { orderId: string }> };
    const cancelled = state.orders["tailspin/legacy"]?.orderId ?? "";
    await fetchJson(`${env.sandbox.url}/_sandbox/orders/${encodeURIComponent(cancelled)}`, {
      method: "PATCH",
      body: JSON.stringify({ status: "cancelled" }),
      headers: { "content-type": "application/json" },
    });
    await env.project.writeOrder(
      "contoso-legacy.yaml",
      createOrderYaml("contoso/legacy", CONTOSO, LEGACY_OFFER, 2),
    );
    await env.project.removeOrder("fabrikam.yaml");
    const normalize = (text: string) => normalizeVolatile(text, env.project.dir);
    const validate = await loadPlanValidator();

    const text = await env.project.run(["plan", "--out", "saved.plan"]);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(normalize(text.stdout)).toMatchSnapshot("text");

    const json = await env.project.run(["plan", "--json"]);
    expect(json.code).toBe(0);
    const jsonPlan = JSON.parse(json.stdout) as { summary: Record<string, number> };
    expect(validate(jsonPlan), JSON.stringify(validate.errors)).toBe(true);
    expect(jsonPlan.summary).toEqual({
      create: 1,
      update: 0,
      resume: 0,
      noop: 1,
      drift: 1,
      conflict: 0,
      undeclared: 1,
    });
    expect(normalize(json.stdout)).toMatchSnapshot("json");

    const format = await env.project.run(["plan", "--format", "json"]);
    expect(format.code).toBe(0);
    const formatPlan = JSON.parse(format.stdout) as object;
    expect(validate(formatPlan), JSON.stringify(validate.errors)).toBe(true);
    // Two runs differ only in volatile values (createdAt).
    expect(normalize(format.stdout)).toBe(normalize(json.stdout));

    const markdown = await env.project.run(["plan", "--format", "markdown"]);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout.startsWith("### orderform plan\n")).toBe(true);
    expect(normalize(markdown.stdout)).toMatchSnapshot("markdown");

    // The saved plan: valid, printed back by show exactly as plan printed it.
    const saved = JSON.parse(await readFile(join(env.project.dir, "saved.plan"), "utf8")) as object;
    expect(validate(saved), JSON.stringify(validate.errors)).toBe(true);
    const shown = await env.project.run(["show", "saved.plan"]);
    expect(shown.code).toBe(0);
    const trailer = text.stdout.indexOf("\nSaved the plan to: saved.plan\n");
    expect(trailer).toBeGreaterThan(0);
    expect(shown.stdout).toBe(text.stdout.slice(0, trailer));
    const shownJson = await env.project.run(["show", "saved.plan", "--json"]);
    expect(shownJson.code).toBe(0);
    expect(JSON.parse(shownJson.stdout)).toEqual(saved);
    expect(await listSandboxOrders(env.sandbox.url)).toHaveLength(3);
  });
});
