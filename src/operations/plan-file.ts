/**
 * Saved plans on disk: written atomically (temporary file, fsync, rename) with mode 0600, read
 * back through the pure codec in src/core/plan-codec.ts with the schema compiled ahead of time
 * (scripts/generate-validators.mjs), like every other schema.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { OrderformError } from "../core/errors.js";
import type { Plan } from "../core/plan.js";
import { decodePlan, encodePlan } from "../core/plan-codec.js";
import { plan as validatePlan } from "../generated/plan-validators.js";

export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(encodePlan(plan), "utf8");
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
  return decodePlan(text, path, validatePlan);
}
