/**
 * Saved plans as text (`plan --out`, `apply PLANFILE`, `show PLANFILE`): the Plan document as JSON,
 * checked against schemas/plan.schema.json when read back. Pure: the file I/O is in
 * src/operations/plan-file.ts, and the compiled schema check is passed in (src/generated is not
 * core's to import). An unknown format version is refused before the schema is consulted, so an
 * older or newer orderform's plan is named as such rather than as invalid.
 */
import { OrderformError } from "./errors.js";
import type { Plan } from "./plan.js";
import { PLAN_FORMAT_VERSION } from "./plan.js";

/** The compiled schemas/plan.schema.json (ajv's standalone validator has this shape). */
export interface PlanSchemaCheck {
  (data: unknown): boolean;
  errors?: readonly { instancePath: string; message?: string }[] | null;
}

/**
 * The Plan is plain data in a stable key order, so this is the identity on content: a saved plan
 * read back is the plan that was made.
 */
export function encodePlan(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/** `source` names the file in messages. Throws OrderformError (plan.file-*, plan.unknown-version). */
export function decodePlan(text: string, source: string, checkSchema: PlanSchemaCheck): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new OrderformError(
      "plan.file-corrupt",
      `the plan file ${source} is not valid JSON: ${(error as Error).message}`,
      {
        hint: "Make a new plan with `orderform plan --out FILE`.",
      },
    );
  }
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new OrderformError(
      "plan.unknown-version",
      `the plan file ${source} has format version ${JSON.stringify(version)}; this orderform reads version ${PLAN_FORMAT_VERSION}`,
      { hint: "Make a new plan with this version of orderform." },
    );
  }
  if (!checkSchema(data)) {
    const first = checkSchema.errors?.[0];
    throw new OrderformError(
      "plan.file-invalid",
      `the plan file ${source} is not a valid plan: ${first?.instancePath ?? ""} ${first?.message ?? ""}`.trim(),
      { hint: "Make a new plan with `orderform plan --out FILE`." },
    );
  }
  return data as Plan;
}
