/**
 * The apply operation. Takes the state's write lock for the whole run (docs/state.md, "Lock"), so
 * the plan it executes cannot go stale underneath it. A saved plan is refused unless the state's
 * lineage and serial are exactly those it was made against, including "no state yet", and unless it
 * passes the gate in saved-plan-gate.ts (docs/exactly-once.md, "Saved plans"). Without one, it
 * plans as the plan operation does, asks for approval through `approval`, and applies.
 */
import { applyPlan, recordStatusChanges, selectApplyWork } from "../apply/applier.js";
import type { ApplyEvent, ApplySummary } from "../apply/events.js";
import type { SeatChangeActor } from "../apply/seat-updater.js";
import { readGitHead } from "../state/local-store.js";
import { readOrdersWorktree } from "./git-worktree.js";
import type { LockInfo } from "../state/types.js";
import { checkCustomerFilter } from "../core/customer-filter.js";
import type { Diagnostic } from "../core/errors.js";
import { OrderformError } from "../core/errors.js";
import type { Plan, PlanRefresh } from "../core/plan.js";
import { planHasChanges, planHasErrors } from "../core/plan.js";
import { checkSavedPlanIsCurrent, checkSavedPlanMatchesProject } from "../core/saved-plan-refusals.js";
import type { InvalidProject, OperationContext } from "./context.js";
import { fetchAndCreatePlan } from "./make-plan.js";
import { openPartnerCenter } from "./open-partner-center.js";
import { readPlanFile } from "./plan-file.js";
import { isInvalid, loadUsableProject } from "./load-project.js";
import { openStateStore, resolveFromLocation, selectParallelism } from "./project.js";
import { fetchCheckedSavedPlan } from "./saved-plan-gate.js";

/** The refresh modes apply plans with; a refresh-only plan is applied from a saved plan only. */
export type ApplyRefresh = Extract<PlanRefresh, "full" | "skipped">;

/** How a plan made now is approved: --auto-approve, a question on the terminal, or neither. */
export type Approval =
  { mode: "auto" } | { mode: "ask"; ask: (plan: Plan) => Promise<boolean> } | { mode: "unavailable" };

/** One order apply will work on, as the progress view lists it before anything is sent. */
export interface ApplyWorkItem {
  name: string;
  customer: string;
  /** The customer's company name, when the plan knows it (untrusted text). */
  companyName?: string;
  mode: "create" | "resume" | "update";
  /** For an update: how many line items change (each reports its own outcome). */
  updates?: number;
}

export interface ApplyProgress {
  onEvent(event: ApplyEvent): void;
  /** Awaited once the work ended, before the state is committed. */
  finish(): Promise<void>;
}

export interface ApplyOptions {
  /** A plan saved by `plan --out`, as given on the command line; undefined: plan now. */
  planfile?: string;
  /** As PlanOptions; a saved plan is refused with any of these (it is applied exactly as made). */
  customers: string[];
  replace: string[];
  allowDuplicate: string[];
  /**
   * `--refresh=false` ("skipped": list only the customers with work) or `--refresh=true` ("full");
   * undefined when not given. As plan's (docs/planning.md, "Refresh"); refused with a saved plan.
   */
  refresh?: ApplyRefresh;
  /** Concurrent orders across customers; undefined: the config's `parallelism`. */
  parallelism?: number;
  lockTimeoutMs: number;
  approval: Approval;
  /** Starts the progress view for the work apply is about to do. */
  startProgress: (work: ApplyWorkItem[]) => ApplyProgress;
}

export type ApplyResult =
  | InvalidProject
  /** A --customer value is no GUID or names no customer, or Partner Center could not be read. */
  | { kind: "failed"; diagnostics: Diagnostic[] }
  | { kind: "plan-has-errors"; plan: Plan }
  /** Nothing to buy; statuses seen while planning (pending -> completed) were recorded. */
  | { kind: "no-changes" }
  | { kind: "cancelled" }
  | { kind: "applied"; summary: ApplySummary };

export async function runApplyOperation(ctx: OperationContext, options: ApplyOptions): Promise<ApplyResult> {
  const planfile = options.planfile;
  const savedPlan =
    planfile === undefined ? null : await readPlanFile(resolveFromLocation(ctx.location, planfile));
  const project = await loadUsableProject(ctx);
  if (isInvalid(project)) return project;
  const loaded = project.loaded;
  if (savedPlan !== null) {
    if (
      options.customers.length > 0 ||
      options.replace.length > 0 ||
      options.allowDuplicate.length > 0 ||
      options.refresh !== undefined
    ) {
      throw new OrderformError(
        "apply.plan-flags",
        "--customer, --replace, --allow-duplicate and --refresh shape a plan; a saved plan is applied exactly as it was made",
        { hint: "Pass them to `orderform plan --out FILE` instead." },
      );
    }
    checkSavedPlanMatchesProject(savedPlan, project.orders, planfile ?? "");
  }
  const parallelism = selectParallelism(options.parallelism, loaded);
  if (savedPlan === null && options.approval.mode === "unavailable") {
    throw new OrderformError(
      "apply.approval-required",
      "apply needs approval, and there is no terminal to ask on",
      {
        hint: "Run `orderform apply --auto-approve`, or save a reviewed plan with `orderform plan --out FILE` and run `orderform apply FILE`.",
      },
    );
  }

  const command = planfile === undefined ? "apply" : `apply ${planfile}`;
  const session = await (
    await openStateStore(loaded, ctx)
  ).open(command, {
    timeoutMs: options.lockTimeoutMs,
    signal: ctx.signal,
  });
  const badCustomers = checkCustomerFilter(options.customers, project.orders, session.current());
  if (badCustomers.length > 0) {
    await session.release();
    return { kind: "failed", diagnostics: badCustomers };
  }
  const pc = await openPartnerCenter(loaded, ctx.env, ctx.toolVersion, parallelism).catch(
    async (error: unknown) => {
      await session.release();
      throw error;
    },
  );
  // Read when the run starts, beside the plan: the files as they were when they were applied.
  const ordersWorktree = readOrdersWorktree(loaded.rootDir, loaded.config.orders);
  let failed = false;
  try {
    let plan: Plan;
    if (savedPlan !== null) {
      checkSavedPlanIsCurrent(savedPlan, session.current(), planfile ?? "");
      plan = await fetchCheckedSavedPlan(savedPlan, {
        project,
        state: session.current(),
        client: pc.client,
        parallelism,
        signal: ctx.signal,
        planfile: planfile ?? "",
        toolVersion: ctx.toolVersion,
      });
    } else {
      const result = await fetchAndCreatePlan(ctx, {
        project,
        state: session.current().serial === 0 ? null : session.current(),
        client: pc.client,
        shape: options,
        parallelism,
      });
      if (result.plan === null) return { kind: "failed", diagnostics: result.diagnostics };
      plan = result.plan;
      ctx.onEvent?.({ type: "plan-ready", plan });
      if (planHasErrors(plan)) return { kind: "plan-has-errors", plan };
      if (!planHasChanges(plan)) {
        await recordStatusChanges(plan, session);
        await session.commit({
          command: "apply",
          summary: "no changes; order statuses refreshed",
          ordersWorktree: await ordersWorktree,
        });
        return { kind: "no-changes" };
      }
      if (options.approval.mode === "ask" && !(await options.approval.ask(plan)))
        return { kind: "cancelled" };
    }

    const work = selectApplyWork(plan);
    const progress = options.startProgress(
      work.map((action) => ({
        name: action.name,
        customer: action.customer,
        ...(action.companyName === undefined ? {} : { companyName: action.companyName }),
        mode: action.kind,
        ...(action.kind === "update" ? { updates: action.updates.length } : {}),
      })),
    );
    let summary: ApplySummary;
    try {
      summary = await applyPlan({
        plan,
        session,
        client: pc.client,
        parallelism,
        stopSignal: ctx.signal,
        now: () => new Date(),
        onEvent: (event) => progress.onEvent(event),
        visibilityWindowMs: loaded.config.visibilityWindowMs,
        actor: await readSeatChangeActor(session.lock, loaded.rootDir),
      });
    } catch (error) {
      // Partner Center refused the credentials (docs/sign-in.md, "Fail fast"): the state is
      // writable, so what this run recorded (the refused order's failure, orders placed) is committed.
      if (error instanceof OrderformError && error.code.startsWith("auth.")) {
        await session.commit({ command, summary: `stopped: ${error.code}` });
      }
      throw error;
    } finally {
      await progress.finish();
    }
    await session.commit({
      command,
      summary: describeApplySummary(summary),
      ordersWorktree: await ordersWorktree,
    });
    return { kind: "applied", summary };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await pc.close();
    // After a failure, the lock is released where possible; a failed release does not hide that
    // failure (the next run on this host takes a lock left by an exited run over).
    await session.release().catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}

async function readSeatChangeActor(lock: LockInfo, rootDir: string): Promise<SeatChangeActor> {
  const commit = await readGitHead(rootDir).catch(() => undefined);
  return {
    by: `${lock.owner}@${lock.host}`,
    ...(commit === undefined ? {} : { commit }),
    ...(lock.ci === undefined ? {} : { ci: lock.ci }),
  };
}

export function describeApplySummary(summary: ApplySummary): string {
  // Seat changes are named only when there were some, so that order-only runs read as before.
  const updated = summary.updated === 0 ? "" : `; seat changes: ${summary.updated} made`;
  return `${summary.created} created, ${summary.adopted} adopted, ${summary.failed} failed, ${summary.pending} pending, ${summary.skipped} skipped${updated}`;
}
