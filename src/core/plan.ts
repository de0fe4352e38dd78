/**
 * The Plan: versioned data produced by the pure planner (src/core/planner.ts), saved by
 * `plan --out`, rendered by src/render and executed by src/apply. Renderers only read it.
 */
import type { CancellationWindow } from "./cancellation-window.js";
import type {
  DesiredOrder,
  OrderContent,
  PendingIntent,
  PendingUpdate,
  RemoteOrder,
  StateOrder,
} from "./model.js";
import type { Diagnostic } from "./errors.js";
import type { OpenCancellationWindow } from "./order-window.js";

/** 3: seat changes in place (`update` actions, `summary.update`); 2: resumes re-send before adopting. */
export const PLAN_FORMAT_VERSION = 3;

/**
 * How far a plan looks at Partner Center (docs/planning.md, "Refresh"). "full": every customer in
 * scope is listed. "skipped" (`--refresh=false`): only the customers with work or unconfirmed
 * records; the other orders are trusted as recorded, their drift is not checked. "only"
 * (`--refresh-only`): every customer is listed and the plan reports drift alone.
 */
export type PlanRefresh = "full" | "skipped" | "only";

/** One field that differs between two sides (declaration vs applied, applied vs remote). */
export interface FieldDifference {
  path: string; // e.g. "lineItems[0].quantity"
  before: unknown; // the recorded/remote side
  after: unknown; // the declared side
}

export type AdoptMode = "fallback" | "instead";

interface ActionBase {
  name: string;
  customer: string;
  /** The customer's company name, from state or read by the plan (untrusted text); absent: unknown. */
  companyName?: string;
  /** Human-readable why, one sentence. */
  reason: string;
}

export interface CreateAction extends ActionBase {
  kind: "create";
  content: OrderContent;
  /** Set when --replace turned a drift or conflict into a create; the old order stays as it is. */
  replaces?: { orderId: string };
}

export interface ResumeAction extends ActionBase {
  kind: "resume";
  intent: PendingIntent;
  /**
   * A listed order that only this intent can have made (docs/exactly-once.md, "Resume").
   * "fallback": apply re-sends the intent's request id first, and that answer is authoritative;
   * this order is recorded only when the service cannot answer. "instead": the intent is older
   * than the service is assumed to remember request ids, so a re-send could place a second
   * order; this order is recorded without sending anything.
   */
  adopt?: { orderId: string; order: RemoteOrder; mode: AdoptMode };
  /** Set when the declaration was edited after the intent was recorded; the intent is finished as recorded. */
  differences?: FieldDifference[];
}

export interface NoOpAction extends ActionBase {
  kind: "no-op";
  stateOrder: StateOrder;
  /** "listed": seen in the list; "fetched": looked up by id; "not-yet-visible": within the visibility window. */
  seen: "listed" | "fetched" | "not-yet-visible" | "not-checked";
  /** New remote status to record (e.g. pending -> completed), when it changed. */
  remoteStatus?: RemoteOrder["status"];
}

export interface DriftAction extends ActionBase {
  kind: "drift";
  stateOrder: StateOrder;
  remote: RemoteOrder | null; // null: the order is gone (404)
  differences: FieldDifference[];
}

export interface ConflictAction extends ActionBase {
  kind: "conflict";
  stateOrder: StateOrder;
  content: OrderContent; // the declaration now
  differences: FieldDifference[];
}

/** One line item's seat change (docs/planning.md, "Seat changes"). */
export interface SeatUpdate {
  lineItemNumber: number;
  /** null: the line item's subscription is not provisioned yet; apply skips it and records nothing. */
  subscriptionId: string | null;
  from: number;
  to: number;
  /** The new-commerce cancellation window, within which seats can be reduced; null when none. */
  window: CancellationWindow | null;
  /** A started change of this line item, finished as recorded (same request id). */
  pending?: PendingUpdate;
}

export interface UpdateAction extends ActionBase {
  kind: "update";
  stateOrder: StateOrder;
  updates: SeatUpdate[];
}

export interface UndeclaredAction extends ActionBase {
  kind: "undeclared";
  stateOrder?: StateOrder;
  intent?: PendingIntent;
}

export type PlanAction =
  CreateAction | ResumeAction | UpdateAction | NoOpAction | DriftAction | ConflictAction | UndeclaredAction;

export interface PlanSummary {
  create: number;
  update: number;
  resume: number;
  noop: number;
  drift: number;
  conflict: number;
  undeclared: number;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  toolVersion: string;
  createdAt: string;
  /** The state the plan was made against; lineage null means there was no state yet. */
  state: { lineage: string | null; serial: number };
  options: { customers: string[]; replace: string[]; allowDuplicate: string[] };
  /** How far the plan looked at Partner Center; absent: "full" (docs/planning.md, "Refresh"). */
  refresh?: Exclude<PlanRefresh, "full">;
  desired: DesiredOrder[];
  actions: PlanAction[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  /**
   * The placed orders in the plan's scope whose new-commerce cancellation window is open at
   * createdAt (src/core/order-window.ts); absent when there is none.
   */
  cancellationWindows?: OpenCancellationWindow[];
}

/** Exhaustiveness helper for switches over string-literal unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}

export function selectPlanRefresh(plan: Pick<Plan, "refresh">): PlanRefresh {
  return plan.refresh ?? "full";
}

/** True when applying the plan would place or finish orders. */
export function planHasChanges(plan: Plan): boolean {
  return plan.actions.some((a) => a.kind === "create" || a.kind === "resume" || a.kind === "update");
}

/** True when the plan must not be applied: a conflict, or an error diagnostic. */
export function planHasErrors(plan: Plan): boolean {
  return (
    plan.actions.some((a) => a.kind === "conflict") || plan.diagnostics.some((d) => d.severity === "error")
  );
}

export function summarizeActions(actions: readonly PlanAction[]): PlanSummary {
  const summary: PlanSummary = {
    create: 0,
    update: 0,
    resume: 0,
    noop: 0,
    drift: 0,
    conflict: 0,
    undeclared: 0,
  };
  for (const action of actions) {
    switch (action.kind) {
      case "create":
        summary.create += 1;
        break;
      case "resume":
        summary.resume += 1;
        break;
      case "update":
        summary.update += 1;
        break;
      case "no-op":
        summary.noop += 1;
        break;
      case "drift":
        summary.drift += 1;
        break;
      case "conflict":
        summary.conflict += 1;
        break;
      case "undeclared":
        summary.undeclared += 1;
        break;
      default:
        assertNever(action);
    }
  }
  return summary;
}
