/**
 * The refusals a saved plan meets before apply sends anything (docs/exactly-once.md, "Saved
 * plans"). Pure; each throws OrderformError naming the plan file. The deeper check against the
 * state and Partner Center is src/core/saved-plan-check.ts and src/operations/saved-plan-gate.ts.
 */
import { contentOf, diffContent } from "./compare.js";
import { OrderformError } from "./errors.js";
import type { DesiredOrder, StateFile } from "./model.js";
import type { Plan } from "./plan.js";
import { planHasErrors } from "./plan.js";

const HINT = "Run `orderform plan --out FILE` again, review it, and apply the new plan.";

/**
 * A saved plan is applied exactly as saved, so it must still describe this project: no errors in
 * it, and every create it holds declared here with the same content (a plan carried to another
 * project, or made before the files were edited, is refused).
 */
export function checkSavedPlanMatchesProject(
  plan: Plan,
  orders: readonly DesiredOrder[],
  planfile: string,
): void {
  if (planHasErrors(plan)) {
    throw new OrderformError(
      "apply.plan-has-errors",
      `the saved plan ${planfile} has errors (conflicts); it cannot be applied`,
      {
        hint: HINT,
      },
    );
  }
  for (const action of plan.actions) {
    if (action.kind !== "create") continue;
    const declared = orders.find((order) => order.name === action.name);
    const differences = declared === undefined ? [] : diffContent(contentOf(declared), action.content);
    if (declared === undefined || differences.length > 0) {
      throw new OrderformError(
        "apply.plan-mismatch",
        `the saved plan ${planfile} creates ${action.name}, which ${declared === undefined ? "is not declared in this project" : "is declared differently now"}`,
        { hint: HINT },
      );
    }
  }
}

/** The plan was made against exactly this state: same lineage and serial, or no state at all. */
export function checkSavedPlanIsCurrent(plan: Plan, current: StateFile, planfile: string): void {
  const stateExists = current.serial > 0;
  if (plan.state.lineage === null) {
    if (stateExists) {
      throw new OrderformError(
        "apply.stale-plan",
        `the saved plan ${planfile} was made when there was no state, but state now exists (serial ${current.serial})`,
        { hint: HINT },
      );
    }
    return;
  }
  if (plan.state.lineage !== current.lineage) {
    throw new OrderformError(
      "apply.stale-plan",
      `the saved plan ${planfile} was made against state lineage ${plan.state.lineage}, but the state's lineage is ${current.lineage}`,
      { hint: HINT },
    );
  }
  if (plan.state.serial !== current.serial) {
    throw new OrderformError(
      "apply.stale-plan",
      `the saved plan ${planfile} is stale: it was made against state serial ${plan.state.serial}, and the state is now at serial ${current.serial}`,
      { hint: HINT },
    );
  }
}
