/**
 * The Plan: versioned data produced by the pure planner (src/core/planner.ts), saved by
 * `plan --out`, rendered by src/render and executed by src/apply. Renderers only read it.
 */
import type { DesiredOrder, OrderContent, PendingIntent, RemoteOrder, StateOrder } from "./model.js";
import type { Diagnostic } from "./errors.js";

export const PLAN_FORMAT_VERSION = 1;

export type ActionKind = "create" | "resume" | "no-op" | "drift" | "conflict" | "undeclared";

/** One field that differs between two sides (declaration vs applied, applied vs remote). */
export interface FieldDifference {
  path: string; // e.g. "lineItems[0].quantity"
  before: unknown; // the recorded/remote side
  after: unknown; // the declared side
}

interface ActionBase {
  name: string;
  customer: string;
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
  /** When the customer's list already shows the order, its id is adopted instead of re-sending. */
  adopt?: { orderId: string; order: RemoteOrder };
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

export interface UndeclaredAction extends ActionBase {
  kind: "undeclared";
  stateOrder?: StateOrder;
  intent?: PendingIntent;
}

export type PlanAction =
  CreateAction | ResumeAction | NoOpAction | DriftAction | ConflictAction | UndeclaredAction;

export interface PlanSummary {
  create: number;
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
  options: { customers: string[]; replace: string[] };
  desired: DesiredOrder[];
  actions: PlanAction[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
}

/** Exhaustiveness helper for switches over string-literal unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
