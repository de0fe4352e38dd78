/**
 * Shared by the plan and apply operations and by the saved-plan gate: fetch the remote side and
 * run the pure planner with the config this run loaded.
 */
import type { Diagnostic } from "../core/errors.js";
import type { RemoteSnapshot, StateFile } from "../core/model.js";
import type { Plan, PlanRefresh } from "../core/plan.js";
import { createPlan } from "../core/planner.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import type { OperationContext } from "./context.js";
import { fetchRemoteSnapshot } from "./fetch-remote.js";
import type { Project } from "./load-project.js";
import type { RemoteReader } from "./remote-reader.js";

export interface MakePlanInput {
  project: Project;
  state: StateFile | null;
  client: PartnerCenterClient;
  /** What shapes the plan: --customer, --replace, --allow-duplicate, --refresh; refresh absent: "full". */
  shape: { customers: string[]; replace: string[]; allowDuplicate: string[]; refresh?: PlanRefresh };
  parallelism: number;
  /** Reads already under way (plan starts listing before the order files load); else new ones. */
  reader?: RemoteReader;
}

export type MadePlan =
  { plan: Plan; remote: RemoteSnapshot; diagnostics: [] } | { plan: null; diagnostics: Diagnostic[] };

export async function fetchAndCreatePlan(
  ctx: Pick<OperationContext, "signal" | "toolVersion" | "onEvent">,
  input: MakePlanInput,
): Promise<MadePlan> {
  const { project, shape } = input;
  const refresh = shape.refresh ?? "full";
  const now = new Date().toISOString();
  const { remote, diagnostics } = await fetchRemoteSnapshot({
    client: input.client,
    desired: project.orders,
    state: input.state,
    now,
    customers: shape.customers,
    replace: shape.replace,
    refresh,
    visibilityWindowMs: project.loaded.config.visibilityWindowMs,
    parallelism: input.parallelism,
    signal: ctx.signal,
    onProgress: (done, total) => ctx.onEvent?.({ type: "list-progress", done, total }),
    ...(input.reader === undefined ? {} : { reader: input.reader }),
  });
  if (diagnostics.length > 0) return { plan: null, diagnostics };
  const plan = createPlan({
    desired: project.orders,
    state: input.state,
    remote,
    now,
    toolVersion: ctx.toolVersion,
    options: {
      customers: shape.customers.map((c) => c.toLowerCase()),
      replace: shape.replace,
      allowDuplicate: shape.allowDuplicate,
      refresh,
      visibilityWindowMs: project.loaded.config.visibilityWindowMs,
      // From the config this run loaded: apply re-plans inside the lock with the same limits.
      limits: project.loaded.config.limits,
    },
  });
  return { plan, remote, diagnostics: [] };
}
