/**
 * Saved plans (`plan --out`, `apply PLANFILE`, `show PLANFILE`): the Plan document as JSON,
 * validated against schemas/plan.schema.json (compiled ahead of time) when read back. An unknown
 * format version is refused.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { OrderformError } from "../core/errors.js";
import type { Plan } from "../core/plan.js";
import { PLAN_FORMAT_VERSION } from "../core/plan.js";
import { renderPlanJson } from "../render/plan-json.js";
// Compiled ahead of time (scripts/generate-validators.mjs), like every other schema.
import { plan as validatePlan } from "../generated/plan-validators.js";

export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(renderPlanJson(plan), "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new OrderformError(
      "plan.file-unwritable",
      `cannot write the plan file ${path}: ${(error as Error).message}`,
      {
        hint: "Check that the folder exists and is writable.",
      },
    );
  }
}

export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new OrderformError(
      "plan.file-unreadable",
      `cannot read the plan file ${path}: ${(error as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new OrderformError(
      "plan.file-corrupt",
      `the plan file ${path} is not valid JSON: ${(error as Error).message}`,
      {
        hint: "Make a new plan with `orderform plan --out FILE`.",
      },
    );
  }
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new OrderformError(
      "plan.unknown-version",
      `the plan file ${path} has format version ${JSON.stringify(version)}; this orderform reads version ${PLAN_FORMAT_VERSION}`,
      { hint: "Make a new plan with this version of orderform." },
    );
  }
  if (!validatePlan(data)) {
    const first = validatePlan.errors?.[0];
    throw new OrderformError(
      "plan.file-invalid",
      `the plan file ${path} is not a valid plan: ${first?.instancePath ?? ""} ${first?.message ?? ""}`.trim(),
      { hint: "Make a new plan with `orderform plan --out FILE`." },
    );
  }
  return data as Plan;
}
