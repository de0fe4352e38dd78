/**
 * The plan operation, in one direction: load the project (config, order files), read state
 * (without taking the lock: a saved plan is pinned to the state's lineage and serial, so a plan
 * made while an apply runs is refused later as stale), check --customer, list the customers'
 * orders, run the pure planner, and, with `out`, save the plan. docs/planning.md.
 */
import { checkCustomerFilter } from "../core/customer-filter.js";
import type { Diagnostic } from "../core/errors.js";
import type { Plan, PlanRefresh } from "../core/plan.js";
import { planHasErrors } from "../core/planner.js";
import type { InvalidProject, OperationContext } from "./context.js";
import { fetchAndCreatePlan } from "./make-plan.js";
import { openPartnerCenter } from "./open-partner-center.js";
import { writePlanFile } from "./plan-file.js";
import { isInvalid, loadUsableProject } from "./load-project.js";
import { openStateStore, resolveFromLocation, selectParallelism } from "./project.js";

export interface PlanOptions {
  /** Only these customers (`--customer`, tenant GUIDs in any case); empty: every customer. */
  customers: string[];
  /** Names whose drift or conflict becomes a create (`--replace`). */
  replace: string[];
  /** Names whose create may go ahead next to an identical untracked order (`--allow-duplicate`). */
  allowDuplicate: string[];
  /**
   * How far to look at Partner Center (docs/planning.md, "Refresh"): "full" (default), "skipped"
   * (`--refresh=false`: only the customers with work), "only" (`--refresh-only`: drift alone).
   */
  refresh: PlanRefresh;
  /** Concurrent list requests; undefined: the config's `parallelism`. */
  parallelism?: number;
  /** Where to save the plan (`--out`), as given on the command line; not saved when it has errors. */
  out?: string;
}

export type PlanResult =
  | InvalidProject
  /** A --customer value is no GUID or names no customer, or Partner Center could not be read. */
  | { kind: "failed"; diagnostics: Diagnostic[] }
  | { kind: "planned"; plan: Plan; saved: "yes" | "no" | "refused-errors" };

export async function runPlanOperation(ctx: OperationContext, options: PlanOptions): Promise<PlanResult> {
  const project = await loadUsableProject(ctx);
  if (isInvalid(project)) return project;
  const parallelism = selectParallelism(options.parallelism, project.loaded);
  const state = await openStateStore(project.loaded, ctx).read();
  const badCustomers = checkCustomerFilter(options.customers, project.orders, state);
  if (badCustomers.length > 0) return { kind: "failed", diagnostics: badCustomers };

  const pc = await openPartnerCenter(project.loaded, ctx.env, ctx.toolVersion);
  let plan: Plan;
  try {
    const result = await fetchAndCreatePlan(ctx, {
      project,
      state,
      client: pc.client,
      shape: options,
      parallelism,
    });
    if (result.plan === null) return { kind: "failed", diagnostics: result.diagnostics };
    plan = result.plan;
  } finally {
    await pc.close();
  }
  ctx.onEvent?.({ type: "plan-ready", plan });
  if (options.out === undefined) return { kind: "planned", plan, saved: "no" };
  // A plan that apply would refuse is not saved: an artifact that cannot be applied only misleads.
  if (planHasErrors(plan)) return { kind: "planned", plan, saved: "refused-errors" };
  await writePlanFile(resolveFromLocation(ctx.location, options.out), plan);
  return { kind: "planned", plan, saved: "yes" };
}
