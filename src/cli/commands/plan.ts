/**
 * `orderform plan`: read state (without taking the lock: a saved plan is pinned to the state's
 * lineage and serial, so a plan made while an apply runs is refused later as stale), fetch the
 * customers' orders, print the plan. Exit codes follow Terraform: 0, 1 error, 2 changes with
 * --detailed-exitcode.
 */
import { OrderformError } from "../../core/errors.js";
import { openPartnerCenter } from "../open-partner-center.js";
import { planHasChanges, planHasErrors, selectCustomersToList } from "../../core/planner.js";
import type { OpenedPartnerCenter } from "../../partner-center/open.js";
import type { LoadedConfig } from "../../config/types.js";
import type { ProjectWorker } from "../../config/project-worker.js";
import type { StateFile } from "../../core/model.js";
import { checkCustomerFilter, checkCustomersInState } from "../customer-filter.js";
import { startCustomerLister } from "../fetch-remote.js";
import type { CustomerLister } from "../fetch-remote.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { renderPlanMarkdown } from "../../render/plan-markdown.js";
import { renderPlanText } from "../../render/plan-text.js";
import type { Plan } from "../../core/plan.js";
import type { CliContext, CommandResult } from "../context.js";
import { fetchAndCreatePlan } from "../make-plan.js";
import { writePlanFile } from "../plan-file.js";
import {
  loadProjectForCommand,
  openStateStore,
  parseLockTimeout,
  parseParallelism,
  readStringList,
  resolveFromCwd,
  writeDiagnostics,
} from "../project.js";

export type PlanFormat = "text" | "json" | "markdown";

/** `worker`: the project already loading (main.ts starts it before importing this module). */
export async function runPlan(
  ctx: CliContext,
  opts: Record<string, unknown>,
  worker?: ProjectWorker,
): Promise<CommandResult> {
  parseLockTimeout(opts.lockTimeout); // accepted for symmetry with apply; plan takes no lock
  const customers = readStringList(opts.customer);
  // While the order files load (on a worker thread), read state and start listing the customers
  // it knows: at 10,000 customers the listing is most of a plan's wall time. The early
  // start's errors are raised only after the order files loaded without errors, in the order the
  // sequential steps would raise them.
  let early: Promise<EarlyStart> | undefined;
  const project = await loadProjectForCommand(ctx, {
    worker,
    onConfig: (loaded) => {
      early = startEarly(ctx, loaded, opts, customers);
    },
  });
  const started = early === undefined ? undefined : await early;
  if (project === null) {
    // The order files have errors: stop the early listing at once (requests in flight included),
    // so a slow or silent endpoint cannot hold the error report back.
    started?.abort();
    await started?.pc?.then(
      async (pc) => {
        started.lister?.stop();
        await started.lister?.settle();
        await pc.close();
      },
      () => undefined,
    );
    return 1;
  }
  if (started === undefined) throw new Error("bug: plan's early start did not run");
  if (started.error !== undefined) throw started.error;
  const { parallelism, state } = started;
  const badCustomers = checkCustomerFilter(customers, project.orders, state);
  if (badCustomers.length > 0) {
    writeDiagnostics(ctx, badCustomers);
    return 1;
  }
  const format: PlanFormat = ctx.global.json ? "json" : ((opts.format as PlanFormat | undefined) ?? "text");
  const pc = await (started.pc ?? openPartnerCenter(project.loaded, ctx.env, ctx.version));
  let plan: Plan | null;
  try {
    const result = await fetchAndCreatePlan({
      ctx,
      project,
      state,
      client: pc.client,
      customers,
      replace: readStringList(opts.replace),
      allowDuplicate: readStringList(opts.allowDuplicate),
      parallelism,
      lister: started.lister,
    });
    if (result.plan === null) {
      writeDiagnostics(ctx, result.diagnostics);
      return 1;
    }
    plan = result.plan;
  } finally {
    await pc.close();
  }

  ctx.stdout.write(renderPlanIn(plan, format, ctx.global.color));
  if (typeof opts.out === "string" && planHasErrors(plan)) {
    // A plan that apply would refuse is not saved: an artifact that cannot be applied only misleads.
    ctx.stderr.write(`\nThe plan has errors, so it was not saved to ${opts.out}. Fix them and plan again.\n`);
    return 1;
  }
  if (typeof opts.out === "string") {
    const out = resolveFromCwd(ctx, opts.out);
    await writePlanFile(out, plan);
    if (format === "text") {
      ctx.stdout.write(
        `\nSaved the plan to: ${opts.out}\n\nTo place exactly these orders, run:\n  orderform apply ${JSON.stringify(opts.out).slice(1, -1)}\n`,
      );
    }
  }
  if (planHasErrors(plan)) return 1;
  if (opts.detailedExitcode === true && planHasChanges(plan)) return 2;
  return 0;
}

interface EarlyStart {
  parallelism: number;
  state: StateFile | null;
  /** Opened early (not for the in-process sandbox, which would share this thread and make files). */
  pc?: Promise<OpenedPartnerCenter>;
  lister?: CustomerLister;
  /** What parsing --parallelism, reading state or opening the client threw. */
  error?: unknown;
  /** Aborts the early listing (requests in flight included). */
  abort: () => void;
}

async function startEarly(
  ctx: CliContext,
  loaded: LoadedConfig,
  opts: Record<string, unknown>,
  customers: string[],
): Promise<EarlyStart> {
  let parallelism = 0;
  let state: StateFile | null = null;
  const controller = new AbortController();
  const abort = (): void => controller.abort(new OrderformError("cli.plan-aborted", "plan stopped early"));
  try {
    parallelism = parseParallelism(opts.parallelism, loaded);
    state = await openStateStore(loaded).read();
  } catch (error) {
    return { parallelism, state, error, abort };
  }
  // The early listing waits for a --customer that state does not name: it is checked first.
  if (loaded.config.endpoint === "sandbox" || !checkCustomersInState(customers, state)) {
    return { parallelism, state, abort };
  }
  const pc = openPartnerCenter(loaded, ctx.env, ctx.version);
  let opened: OpenedPartnerCenter;
  try {
    opened = await pc;
  } catch (error) {
    return { parallelism, state, pc, error, abort };
  }
  const signal = AbortSignal.any([ctx.signal, controller.signal]);
  const lister = startCustomerLister({ client: opened.client, parallelism, signal });
  lister.add(selectCustomersToList([], state, { customers }));
  return { parallelism, state, pc, lister, abort };
}

export function renderPlanIn(plan: Plan, format: PlanFormat, color: boolean): string {
  switch (format) {
    case "text":
      return renderPlanText(plan, { color });
    case "json":
      return renderPlanJson(plan);
    case "markdown":
      return renderPlanMarkdown(plan).join("\n\n") + "\n";
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
