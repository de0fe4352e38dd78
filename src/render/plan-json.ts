/**
 * The plan as one JSON document (`plan --format json`, `plan --out`), valid against
 * schemas/plan.schema.json. The Plan is already plain data in a stable key order, so this is
 * the identity on content: a saved plan read back is the plan that was made.
 */
import type { Plan } from "../core/plan.js";

export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
