/**
 * The plan as one JSON document (`plan --format json`), valid against schemas/plan.schema.json:
 * exactly what `plan --out` saves (src/core/plan-codec.ts).
 */
import type { Plan } from "../core/plan.js";
import { encodePlan } from "../core/plan-codec.js";

export function renderPlanJson(plan: Plan): string {
  return encodePlan(plan);
}
