import { describe, expect, it } from "vitest";
import { decodePlan, encodePlan } from "../../../src/core/plan-codec.js";
import type { PlanSchemaCheck } from "../../../src/core/plan-codec.js";
import { PLAN_FORMAT_VERSION } from "../../../src/core/plan.js";
import { createPlan } from "../../../src/core/planner.js";
import { plan as validatePlan } from "../../../src/generated/plan-validators.js";
import { CONTOSO, buildDesired, buildInput } from "./builders.js";

const plan = createPlan(
  buildInput({ desired: [buildDesired("contoso/seats")], remote: { lists: { [CONTOSO]: [] } } }),
);

describe("encodePlan / decodePlan", () => {
  it("reads back exactly the plan that was written", () => {
    expect(decodePlan(encodePlan(plan), "p.json", validatePlan)).toEqual(plan);
  });

  const rejectAll: PlanSchemaCheck = Object.assign(() => false, {
    errors: [{ instancePath: "/actions", message: "must be array" }],
  });
  const cases: { title: string; text: string; check: PlanSchemaCheck; code: string; message: string }[] = [
    {
      title: "not JSON",
      text: "{",
      check: validatePlan,
      code: "plan.file-corrupt",
      message: "not valid JSON",
    },
    {
      title: "another format version",
      text: JSON.stringify({ ...plan, formatVersion: PLAN_FORMAT_VERSION + 1 }),
      check: validatePlan,
      code: "plan.unknown-version",
      message: `format version ${PLAN_FORMAT_VERSION + 1}`,
    },
    { title: "null", text: "null", check: validatePlan, code: "plan.unknown-version", message: "undefined" },
    {
      title: "against the schema",
      text: encodePlan(plan),
      check: rejectAll,
      code: "plan.file-invalid",
      message: "p.json is not a valid plan: /actions must be array",
    },
  ];
  it.each(cases)("refuses $title ($code)", ({ text, check, code, message }) => {
    expect(() => decodePlan(text, "p.json", check)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(message) }),
    );
  });
});
