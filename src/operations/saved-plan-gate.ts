/**
 * The gate a saved plan passes inside the state lock, before anything is sent
 * (docs/exactly-once.md, "Saved plans"): its actions must agree with the state as locked and the
 * declarations (src/core/saved-plan-check.ts), its work must be what the planner plans again now
 * from Partner Center's lists of the customers concerned, and no create may buy next to an
 * identical untracked order. Nothing is sent when any of this fails.
 */
import { DEFAULT_CLOCK_SKEW_MS } from "../core/adoption.js";
import { checkCreateDuplicates } from "../core/duplicates.js";
import { OrderformError } from "../core/errors.js";
import type { StateFile } from "../core/model.js";
import type { CreateAction, Plan } from "../core/plan.js";
import { checkSavedPlan, reconcileSavedPlan } from "../core/saved-plan-check.js";
import type { SavedPlanProblem } from "../core/saved-plan-check.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import { fetchAndCreatePlan } from "./make-plan.js";
import type { Project } from "./load-project.js";

export interface SavedPlanGateInput {
  project: Project;
  /** The state as locked; serial 0 means none yet. */
  state: StateFile;
  client: PartnerCenterClient;
  parallelism: number;
  signal: AbortSignal;
  planfile: string;
  toolVersion: string;
}

/** The plan to apply: the saved one, with its resumes carried out as planned now. */
export async function fetchCheckedSavedPlan(saved: Plan, input: SavedPlanGateInput): Promise<Plan> {
  const hint = "Nothing was sent. Run `orderform plan --out FILE` again, review it, and apply the new plan.";
  const refuse = (problems: SavedPlanProblem[], what: string): never => {
    throw new OrderformError(
      "apply.plan-check-failed",
      `the saved plan ${input.planfile} ${what}:\n${problems
        .map((p) => `  action ${p.position} (${p.action}): ${p.message}`)
        .join("\n")}`,
      { hint },
    );
  };
  const problems = checkSavedPlan({ plan: saved, state: input.state, desired: input.project.orders });
  if (problems.length > 0) refuse(problems, "does not agree with the state and the declarations");

  const work = saved.actions.filter((a) => a.kind === "create" || a.kind === "resume" || a.kind === "update");
  if (work.length === 0) return saved;
  const customers = [...new Set(work.map((a) => a.customer.toLowerCase()))].sort();
  const state = input.state.serial === 0 ? null : input.state;
  const made = await fetchAndCreatePlan(
    { signal: input.signal, toolVersion: input.toolVersion },
    {
      project: input.project,
      state,
      client: input.client,
      shape: { customers, replace: saved.options.replace, allowDuplicate: saved.options.allowDuplicate },
      parallelism: input.parallelism,
    },
  );
  if (made.plan === null) {
    throw new OrderformError(
      "apply.plan-check-failed",
      `the saved plan ${input.planfile} could not be checked against Partner Center: ${made.diagnostics[0]?.message ?? ""}`,
      { hint: "Nothing was sent. Run the same command again.", diagnostics: made.diagnostics },
    );
  }
  const { plan: fresh, remote } = made;
  // The config may have lowered a limit since the plan was saved; a limit binds the run that buys.
  const passed = fresh.diagnostics.filter((d) => d.code === "plan.limit-exceeded");
  if (passed.length > 0) {
    throw new OrderformError(
      "apply.plan-check-failed",
      `the saved plan ${input.planfile} passes the config's limits:\n${passed.map((d) => `  ${d.message}`).join("\n")}`,
      { hint: passed[0]?.hint, diagnostics: passed },
    );
  }
  const reconciled = reconcileSavedPlan(saved, fresh);
  if (reconciled.problems.length > 0) {
    refuse(reconciled.problems, "is not what orderform plans now");
  }

  const declared = new Map(input.project.orders.map((o) => [o.name, o] as const));
  const creates = saved.actions.filter((a): a is CreateAction => a.kind === "create");
  const duplicates = checkCreateDuplicates({
    creates: creates.map((action) => ({ action, source: declared.get(action.name)?.source })),
    state,
    lists: remote.lists,
    declaredNames: new Set(declared.keys()),
    allowDuplicate: new Set(saved.options.allowDuplicate),
    clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
  });
  if (duplicates.length > 0) {
    throw new OrderformError(
      "apply.plan-check-failed",
      `the saved plan ${input.planfile} would buy next to identical orders that nothing in state accounts for:\n${duplicates
        .map((d) => `  ${d.message}`)
        .join("\n")}`,
      { hint: duplicates[0]?.hint },
    );
  }
  return { ...saved, actions: reconciled.actions };
}
