/**
 * The plan operation: load the config, read state (without taking the lock: a saved plan is pinned
 * to the state's lineage and serial, so a plan made while an apply runs is refused later as
 * stale), start listing the customers state records, load the order files meanwhile, check
 * --customer, list the customers only the files name, run the pure planner, and, with `out`, save
 * the plan. docs/planning.md; the overlap: docs/performance.md, "Plan cost".
 */
import { loadConfig } from "../config/load-config.js";
import type { LoadedConfig } from "../config/types.js";
import { checkCustomerFilter, checkCustomersInState } from "../core/customer-filter.js";
import { hasErrors, type Diagnostic } from "../core/errors.js";
import type { StateFile } from "../core/model.js";
import type { Plan, PlanRefresh } from "../core/plan.js";
import { selectCustomersToList } from "../core/plan-scope.js";
import { planHasErrors } from "../core/planner.js";
import { loadOrdersOnWorker } from "../manifests/order-files-worker.js";
import { readStateOnWorker } from "../state/state-worker.js";
import type { OpenedPartnerCenter } from "../partner-center/open.js";
import type { InvalidProject, OperationContext } from "./context.js";
import { isInvalid, loadUsableOrders } from "./load-project.js";
import { fetchAndCreatePlan } from "./make-plan.js";
import { openPartnerCenter } from "./open-partner-center.js";
import { writePlanFile } from "./plan-file.js";
import { resolveFromLocation, selectParallelism } from "./project.js";
import { createRemoteReader, type RemoteReader } from "./remote-reader.js";

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
  const config = await loadConfig(ctx.location);
  const usable = config.loaded !== null && !hasErrors(config.diagnostics) ? config.loaded : undefined;
  // The order files load on a worker from here on, beside everything below (./order-files-worker.ts).
  const files = usable === undefined ? undefined : loadOrdersOnWorker(usable);
  // Started, not awaited: state is read and the client opened while the order files load, so that
  // their errors are reported without waiting for the state backend or the sign-in.
  const ended = new AbortController();
  const starting = usable === undefined ? undefined : startEarlyReads(ctx, usable, options, ended.signal);
  let early: EarlyReads | EarlyFailure | undefined;
  try {
    const project = await loadUsableOrders(ctx, config, files && (() => files.result));
    if (isInvalid(project)) return project;
    early = await starting;
    if (early === undefined) throw new Error("bug: a usable project without a usable config");
    // A failure of the early start is reported where it came before the overlap: after the order
    // files' errors, and, unless it was reading state, after the --customer check.
    if ("failure" in early && early.state === undefined) throw early.failure;
    const badCustomers = checkCustomerFilter(options.customers, project.orders, early.state ?? null);
    if (badCustomers.length > 0) return { kind: "failed", diagnostics: badCustomers };
    if ("failure" in early) throw early.failure;
    const { state, pc, reader, parallelism } = early;
    early.showProgress();
    const result = await fetchAndCreatePlan(ctx, {
      project,
      state,
      client: pc.client,
      shape: options,
      parallelism,
      reader,
    });
    if (result.plan === null) return { kind: "failed", diagnostics: result.diagnostics };
    return await finishPlan(ctx, options, result.plan);
  } finally {
    files?.stop();
    ended.abort(new Error("plan ended before its reads"));
    if (early !== undefined) await closeEarlyReads(early);
    // A run that ended on its order files does not wait for the early start: what it opens is
    // closed when it is done (a client is not opened after the end).
    else void starting?.then(closeEarlyReads).catch(() => undefined);
  }
}

/** Stops the reads still under way (the run ended before it needed them) and closes the client. */
async function closeEarlyReads(early: EarlyReads | EarlyFailure): Promise<void> {
  if ("failure" in early) return;
  early.reader.stop(new Error("plan ended before its reads"));
  await early.pc.close();
}

interface EarlyFailure {
  failure: unknown;
  /** The state, when the failure came after reading it. */
  state?: StateFile | null;
}

interface EarlyReads {
  state: StateFile | null;
  pc: OpenedPartnerCenter;
  reader: RemoteReader;
  parallelism: number;
  /** From now on the reads' progress goes out as events: the project is usable. */
  showProgress(): void;
}

/**
 * What a plan can start before its order files load: read state, open the client and, unless
 * `--refresh=false`, list the customers state records (every plan that refreshes lists them), so
 * that the listing overlaps the loading (docs/performance.md, "Plan cost"). A failure is kept, not
 * thrown, so that the order files' errors still come first. Nothing is listed early when a
 * `--customer` value could still be refused (no GUID, or not in state): those are refused before
 * any request (README, `orderform plan`). Progress events wait for showProgress, so that a run
 * that ends on its order files or `--customer` shows their diagnostics alone.
 */
async function startEarlyReads(
  ctx: OperationContext,
  loaded: LoadedConfig,
  options: PlanOptions,
  ended: AbortSignal,
): Promise<EarlyReads | EarlyFailure> {
  let state: StateFile | null | undefined;
  try {
    const parallelism = selectParallelism(options.parallelism, loaded);
    // On a worker, as the order files (src/state/state-worker.ts).
    state = await readStateOnWorker(loaded, {
      env: ctx.env,
      notify: (text) => ctx.onEvent?.({ type: "state-notice", text }),
      signal: ended,
    });
    ended.throwIfAborted();
    const pc = await openPartnerCenter(loaded, ctx.env, ctx.toolVersion, parallelism);
    let shown = false;
    const reader = createRemoteReader({
      client: pc.client,
      state,
      parallelism,
      signal: ctx.signal,
      onProgress: (done, total) => {
        if (shown) ctx.onEvent?.({ type: "list-progress", done, total });
      },
    });
    // --customer is checked before any request is sent (src/core/customer-filter.ts): the
    // listing starts early only when every value is a customer state records; else after the check.
    if (options.refresh !== "skipped" && checkCustomersInState(options.customers, state))
      reader.startListing(selectCustomersToList([], state, { customers: options.customers }));
    const showProgress = (): void => {
      shown = true;
    };
    return { state, pc, reader, parallelism, showProgress };
  } catch (failure) {
    return { failure, ...(state === undefined ? {} : { state }) };
  }
}

async function finishPlan(ctx: OperationContext, options: PlanOptions, plan: Plan): Promise<PlanResult> {
  ctx.onEvent?.({ type: "plan-ready", plan });
  if (options.out === undefined) return { kind: "planned", plan, saved: "no" };
  // A plan that apply would refuse is not saved: an artifact that cannot be applied only misleads.
  if (planHasErrors(plan)) return { kind: "planned", plan, saved: "refused-errors" };
  await writePlanFile(resolveFromLocation(ctx.location, options.out), plan);
  return { kind: "planned", plan, saved: "yes" };
}
