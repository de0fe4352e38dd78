/** Shared by `plan` and `apply`: fetch the remote side and run the pure planner. */
import type { Diagnostic } from "../core/errors.js";
import type { StateFile } from "../core/model.js";
import type { Plan } from "../core/plan.js";
import { createPlan } from "../core/planner.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import type { CliContext } from "./context.js";
import { fetchRemoteSnapshot } from "./fetch-remote.js";
import type { CustomerLister } from "./fetch-remote.js";
import type { Project } from "./project.js";

export interface MakePlanInput {
  ctx: CliContext;
  project: Project;
  state: StateFile | null;
  client: PartnerCenterClient;
  customers: string[];
  replace: string[];
  allowDuplicate: string[];
  parallelism: number;
  /** A listing plan started early; fetchRemoteSnapshot adds the customers still missing. */
  lister?: CustomerLister;
}

export async function fetchAndCreatePlan(
  input: MakePlanInput,
): Promise<{ plan: Plan | null; diagnostics: Diagnostic[] }> {
  const { ctx, project } = input;
  const now = new Date().toISOString();
  const showProgress = ctx.stderr.isTTY === true && !ctx.global.json;
  const { remote, diagnostics } = await fetchRemoteSnapshot({
    client: input.client,
    desired: project.orders,
    state: input.state,
    now,
    customers: input.customers,
    visibilityWindowMs: project.loaded.config.visibilityWindowMs,
    parallelism: input.parallelism,
    signal: ctx.signal,
    lister: input.lister,
    onProgress: showProgress
      ? (done, total) => {
          if (total >= 20 && (done % 10 === 0 || done === total)) {
            ctx.stderr.write(
              `\rReading orders of ${done}/${total} customers...${done === total ? "\n" : ""}`,
            );
          }
        }
      : undefined,
  });
  if (diagnostics.length > 0) return { plan: null, diagnostics };
  const plan = createPlan({
    desired: project.orders,
    state: input.state,
    remote,
    now,
    toolVersion: ctx.version,
    options: {
      customers: input.customers.map((c) => c.toLowerCase()),
      replace: input.replace,
      allowDuplicate: input.allowDuplicate,
      visibilityWindowMs: project.loaded.config.visibilityWindowMs,
    },
  });
  return { plan, diagnostics: [] };
}
