import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../../src/core/plan.js";
import { createPlan } from "../../../src/core/planner.js";
import { renderPlanJson } from "../../../src/render/plan-json.js";
import { arbInput } from "../core/arbitraries.js";
import { buildDesired, buildInput } from "../core/builders.js";
import { createEveryKindPlan, createLargePlan, createNoChangesPlan } from "./sample-plans.js";

const readSchema = (path: string): object =>
  JSON.parse(readFileSync(new URL(`../../../schemas/${path}`, import.meta.url), "utf8")) as object;
const ajv = new Ajv2020.default({ allErrors: true, strict: true });
addFormats.default(ajv);
// The plan's line item, billing cycle, statuses and origins are the state schema's (docs/schemas.md).
ajv.addSchema([readSchema("state.schema.json"), readSchema("partner-center/order.json")]);
const validate = ajv.compile(readSchema("plan.schema.json"));

function expectValid(json: string): void {
  const ok = validate(JSON.parse(json));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe("renderPlanJson", () => {
  it.each<[string, () => Plan]>([
    ["every kind", createEveryKindPlan],
    ["no changes", createNoChangesPlan],
    ["no state yet", () => createPlan(buildInput({ desired: [buildDesired("contoso/seats")] }))],
    ["large", () => createLargePlan(3, 20)],
  ])("%s: valid against schemas/plan.schema.json and read back equal", (_name, make) => {
    const plan = make();
    const json = renderPlanJson(plan);
    expectValid(json);
    expect(JSON.parse(json)).toEqual(plan);
    expect(json.endsWith("}\n")).toBe(true);
  });

  it("every generated plan is valid", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        expectValid(renderPlanJson(createPlan(input)));
      }),
      { numRuns: 200 },
    );
  });

  it("snapshot", () => {
    expect(renderPlanJson(createEveryKindPlan())).toMatchSnapshot();
  });

  it.each<[string, (p: Record<string, unknown>) => void]>([
    ["unknown action kind", (p) => ((p.actions as { kind: string }[])[0]!.kind = "delete")],
    ["missing state pin", (p) => delete p.state],
    ["other format version", (p) => (p.formatVersion = 1)],
    [
      "create without content",
      (p) => delete (p.actions as Record<string, unknown>[]).find((a) => a.kind === "create")!.content,
    ],
    ["unknown top-level field", (p) => (p.extra = true)],
  ])("rejects a plan with %s", (_name, edit) => {
    const doc = JSON.parse(renderPlanJson(createEveryKindPlan())) as Record<string, unknown>;
    edit(doc);
    expect(validate(doc)).toBe(false);
  });
});
