/**
 * The planner (docs/planning.md): a pure function of (desired orders, state, remote orders, now). No I/O,
 * no clock, no randomness: the CLI fetches, this decides, the renderers print, the applier acts.
 *
 * The invariant everything else leans on: no create is ever proposed for a name that state records
 * as placed (state.orders) or started (state.pending), except a create that --replace asked for in
 * place of a drifted or conflicting placed order.
 *
 * A plan refers to the records it is given (declarations, state records, intents, listed orders)
 * instead of copying them. Records are immutable values throughout (the state journal replaces
 * them and never edits them), and copying 40,000 of them was two fifths of planning 20,000 orders
 * (docs/performance.md). Neither the planner nor any reader of a plan may change one.
 */
import { compareStrings, contentOf, diffFromDeclared, parseTimestampMs } from "./compare.js";
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_REQUEST_ID_RETENTION_MS, assignAdoptions } from "./adoption.js";
import type { Adoption } from "./adoption.js";
import { checkCreateDuplicates } from "./duplicates.js";
import { checkLimits, selectLimitedSeatChanges } from "./limits.js";
import { checkIneffectiveOptions } from "./option-effects.js";
import type { Limits } from "./limits.js";
import { createNoOp, describeDrift, observe } from "./observe.js";
import { describeReplacedOrder, selectOpenWindows } from "./order-window.js";
import { createCustomerFilter, indexDesired, isCustomerSelected, requireTimestamp } from "./plan-scope.js";
import type { CustomerFilter } from "./plan-scope.js";
import { nameActions } from "./customer-names.js";
import { createDiagnostic } from "./errors.js";
import {
  describeSubscriptionDrift,
  describeUpdateReason,
  isQuantityOnly,
  planSeatUpdates,
  selectCurrentContent,
} from "./seat-changes.js";
import { selectPendingUpdates } from "./state-journal.js";
import type { Diagnostic } from "./errors.js";
import type { DesiredOrder, PendingIntent, RemoteSnapshot, StateFile, StateOrder } from "./model.js";
import { PLAN_FORMAT_VERSION, summarizeActions } from "./plan.js";
import type { CreateAction, Plan, PlanAction, PlanRefresh } from "./plan.js";

export { selectCustomersToList, selectOrdersToFetch } from "./plan-scope.js";
export { planHasChanges, planHasErrors } from "./plan.js";

export interface PlanOptions {
  /** When non-empty, only these customers' orders are planned (GUIDs, any case). */
  customers: string[];
  /** Names whose drift or conflict becomes a create (`--replace NAME`). */
  replace: string[];
  /** How long a new order may be missing from its customer's list (up to 15 minutes in production). */
  visibilityWindowMs: number;
  /** Names whose create may go ahead next to an identical untracked order (`--allow-duplicate NAME`). */
  allowDuplicate?: string[];
  /** Allowed skew when deciding that a listed order was placed after an intent; default 5 minutes. */
  clockSkewMs?: number;
  /** How long Partner Center is assumed to remember a request id (src/core/adoption.ts). */
  requestIdRetentionMs?: number;
  /** The config's `limits` (src/core/limits.ts); absent: no limit. */
  limits?: Limits;
  /** How far Partner Center was looked at; absent: "full" (docs/planning.md, "Refresh"). */
  refresh?: PlanRefresh;
}

export interface PlanInput {
  desired: DesiredOrder[];
  state: StateFile | null;
  remote: RemoteSnapshot;
  now: string;
  toolVersion: string;
  options: PlanOptions;
}

/** Everything known about one name within the customer filter. */
interface Subject {
  name: string;
  declared?: DesiredOrder;
  stateOrder?: StateOrder;
  intent?: PendingIntent;
}

export function createPlan(input: PlanInput): Plan {
  const { state, remote, options } = input;
  const nowMs = requireTimestamp(input.now, "now");
  const filter = createCustomerFilter(options.customers);
  const replace = new Set(options.replace);
  const diagnostics: Diagnostic[] = [];

  const { declared, duplicates } = indexDesired(input.desired, filter);
  for (const name of duplicates) {
    diagnostics.push(
      createDiagnostic(
        "plan.duplicate-name",
        `order "${name}" is declared more than once; only the first is planned`,
        {
          hint: "names are unique addresses: rename one of the declarations",
        },
      ),
    );
  }
  const subjects = collectSubjects(declared, state, filter);
  const clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const adoptions = assignAdoptions({
    intents: subjects
      .map((s) => s.intent)
      .filter((i): i is PendingIntent => i !== undefined)
      .sort((a, b) => compareTimestamps(a.startedAt, b.startedAt) || compareStrings(a.name, b.name)),
    state,
    remote,
    nowMs,
    clockSkewMs,
    requestIdRetentionMs: options.requestIdRetentionMs ?? DEFAULT_REQUEST_ID_RETENTION_MS,
  });
  const refresh = options.refresh ?? "full";
  // --refresh-only reports drift alone: the decisions' own diagnostics (a seat decrease past its
  // window) and the checks of what would be bought below belong to a plan that buys.
  const decided: Diagnostic[] = refresh === "only" ? [] : diagnostics;
  const ctx = { state, remote, nowMs, options, replace, adoptions, diagnostics: decided, refresh };
  const replaced = new Set<string>();
  const actions: PlanAction[] = [];
  for (const subject of subjects) {
    const action = decide(subject, ctx);
    if (action.kind === "create" && action.replaces !== undefined) replaced.add(subject.name);
    if (refresh !== "only" || action.kind === "drift" || action.kind === "no-op") actions.push(action);
  }
  actions.sort((a, b) => compareStrings(a.customer, b.customer) || compareStrings(a.name, b.name));
  if (refresh === "only") return assemblePlan(input, { filter, replace, declared, actions, diagnostics });

  const allowDuplicate = new Set(options.allowDuplicate ?? []);
  const creates = actions.filter((a): a is CreateAction => a.kind === "create");
  diagnostics.push(
    ...checkCreateDuplicates({
      creates: creates.map((action) => ({ action, source: declared.get(action.name)?.source })),
      state,
      lists: remote.lists,
      declaredNames: new Set(input.desired.map((d) => d.name)),
      allowDuplicate,
      clockSkewMs,
    }),
  );
  if (options.limits !== undefined) {
    const updates = selectLimitedSeatChanges(actions);
    diagnostics.push(...checkLimits({ limits: options.limits, creates, updates, declared }));
  }
  diagnostics.push(
    ...checkIneffectiveOptions({
      allowDuplicate,
      replace,
      creates,
      replaced,
      isKnownName: (name) =>
        subjects.some((s) => s.name === name) || input.desired.some((d) => d.name === name),
      hasStartedSeatChange: (name) => selectPendingUpdates(state, name).length > 0,
      filtered: filter !== null,
    }),
  );

  return assemblePlan(input, { filter, replace, declared, actions, diagnostics });
}

function assemblePlan(
  input: PlanInput,
  parts: {
    filter: CustomerFilter;
    replace: ReadonlySet<string>;
    declared: ReadonlyMap<string, DesiredOrder>;
    actions: PlanAction[];
    diagnostics: Diagnostic[];
  },
): Plan {
  const { state, options } = input;
  const { filter } = parts;
  const actions = nameActions(parts.actions, state, input.remote);
  const refresh = options.refresh ?? "full";
  const windows = selectOpenWindows(actions, requireTimestamp(input.now, "now"));
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    toolVersion: input.toolVersion,
    createdAt: input.now,
    state: { lineage: state?.lineage ?? null, serial: state?.serial ?? 0 },
    options: {
      customers: filter === null ? [] : [...filter].sort(compareStrings),
      replace: [...parts.replace].sort(compareStrings),
      allowDuplicate: [...new Set(options.allowDuplicate ?? [])].sort(compareStrings),
    },
    // Only when not "full", so that plans made as before read as before.
    ...(refresh === "full" ? {} : { refresh }),
    desired: [...parts.declared.values()].sort(compareOrders),
    actions,
    summary: summarizeActions(actions),
    diagnostics: parts.diagnostics,
    // Only when an order's window is open, so plans without one read as before.
    ...(windows.length > 0 ? { cancellationWindows: windows } : {}),
  };
}

interface DecideContext {
  state: StateFile | null;
  remote: RemoteSnapshot;
  nowMs: number;
  options: PlanOptions;
  replace: Set<string>;
  adoptions: Map<string, Adoption>;
  /** Where decisions report user problems (a seat decrease past its window). */
  diagnostics: Diagnostic[];
  refresh: PlanRefresh;
}

function decide(subject: Subject, ctx: DecideContext): PlanAction {
  const { name, declared, stateOrder, intent } = subject;

  // A started create comes first, declared or not: it may already have been bought, so it is
  // finished as recorded (same MS-RequestId) and never replaced by a fresh create.
  if (intent !== undefined) {
    const adoption = ctx.adoptions.get(name);
    const differences = declared === undefined ? [] : diffFromDeclared(intent.content, declared);
    const resend = `apply re-sends it with the same request id ${intent.requestId}, so Partner Center answers with the order it already made, if any`;
    const reason = [
      `A create started at ${intent.startedAt} was not confirmed; `,
      adoption === undefined
        ? `${resend}.`
        : adoption.mode === "fallback"
          ? `${resend}; only if the service cannot answer, order ${adoption.order.id} (created ${adoption.order.creationDate}) in the customer's list, which only this create can have made, is recorded.`
          : `it is older than Partner Center is assumed to remember request ids, so instead of re-sending, order ${adoption.order.id} (created ${adoption.order.creationDate}) in the customer's list, which only this create can have made, is recorded.`,
      declared === undefined ? " It is no longer declared; it is finished anyway." : "",
      differences.length > 0 ? " The declaration changed since; the intent is finished as recorded." : "",
    ].join("");
    return {
      kind: "resume",
      name,
      customer: intent.customer,
      reason,
      intent,
      ...(adoption === undefined
        ? {}
        : { adopt: { orderId: adoption.order.id, order: adoption.order, mode: adoption.mode } }),
      ...(differences.length > 0 ? { differences } : {}),
    };
  }

  if (stateOrder === undefined) {
    if (declared === undefined) throw new Error(`subject ${name} has neither declaration, order nor intent`);
    const failures = ctx.state?.failures;
    const failure =
      failures !== undefined && Object.prototype.hasOwnProperty.call(failures, name)
        ? failures[name]
        : undefined;
    const where = declared.source === undefined ? "" : ` in ${declared.source.file}`;
    return {
      kind: "create",
      name,
      customer: declared.customer,
      reason:
        failure === undefined
          ? `Declared${where} and not in state.`
          : `Declared${where} and not in state; the last attempt at ${failure.at} failed with ${failure.code} (${failure.description}) and bought nothing.`,
      content: contentOf(declared),
    };
  }

  if (declared === undefined) {
    return {
      kind: "undeclared",
      name,
      customer: stateOrder.customer,
      reason: `Order ${stateOrder.orderId} is in state but no longer declared in any file; nothing is cancelled.`,
      stateOrder,
    };
  }

  // A started seat change is finished before --replace may buy: it belongs to this record's order,
  // and once a new order is the record it would be recorded there (docs/planning.md).
  const pending = selectPendingUpdates(ctx.state, name);
  const replacing = ctx.replace.has(name) && pending.length === 0;
  // Compared with the record's current content: seat changes made in place count as declared.
  const conflicts = diffFromDeclared(selectCurrentContent(stateOrder), declared);
  const seatsOnly = isQuantityOnly(conflicts) && !replacing;
  if (conflicts.length > 0 && !seatsOnly) {
    const content = contentOf(declared);
    if (replacing) {
      return {
        kind: "create",
        name,
        customer: declared.customer,
        reason: `The declaration differs from order ${stateOrder.orderId}; --replace buys a NEW order, and ${describeReplacedOrder(stateOrder, ctx.nowMs)}.`,
        content,
        replaces: { orderId: stateOrder.orderId },
      };
    }
    return {
      kind: "conflict",
      name,
      customer: declared.customer,
      reason: `The declaration was edited after order ${stateOrder.orderId} was placed; orders are immutable purchases.`,
      stateOrder,
      content,
      differences: conflicts,
    };
  }

  const observation = observe(stateOrder, ctx);
  // A started seat change is finished before seats are compared: apply reads the subscription and
  // records what it finds, also when it was changed outside orderform since (docs/planning.md).
  const drift =
    describeDrift(stateOrder, observation) ??
    (pending.length > 0 ? undefined : describeSubscriptionDrift(stateOrder, pending, ctx.remote));
  if (drift !== undefined) {
    if (replacing) {
      const cancelled = observation.kind === "found" && observation.order.status === "cancelled";
      return {
        kind: "create",
        name,
        customer: declared.customer,
        reason: `Order ${stateOrder.orderId} ${drift.what}; --replace buys a NEW order, and ${describeReplacedOrder(stateOrder, ctx.nowMs, cancelled)}.`,
        content: contentOf(declared),
        replaces: { orderId: stateOrder.orderId },
      };
    }
    return {
      kind: "drift",
      name,
      customer: stateOrder.customer,
      reason: `Order ${stateOrder.orderId} ${drift.what}.`,
      stateOrder,
      remote: observation.kind === "found" ? observation.order : null,
      differences: drift.differences,
    };
  }
  // --refresh-only: the record matches Partner Center; what the declaration asks of it is not its business.
  if (ctx.refresh === "only") return createNoOp(name, stateOrder, observation);
  if (seatsOnly || pending.length > 0) {
    const planned = planSeatUpdates({
      order: stateOrder,
      declared,
      pending,
      remote: ctx.remote,
      nowMs: ctx.nowMs,
    });
    ctx.diagnostics.push(...planned.diagnostics);
    if (planned.updates.length > 0) {
      return {
        kind: "update",
        name,
        customer: stateOrder.customer,
        reason: describeUpdateReason(stateOrder, planned.updates, ctx.state?.failures[name]),
        stateOrder,
        updates: planned.updates,
      };
    }
    const noOp = createNoOp(name, stateOrder, observation);
    return {
      ...noOp,
      reason: `Order ${stateOrder.orderId} keeps its seats: the declared decrease cannot be made (see the error below).`,
    };
  }
  return createNoOp(name, stateOrder, observation);
}

function collectSubjects(
  declared: ReadonlyMap<string, DesiredOrder>,
  state: StateFile | null,
  filter: CustomerFilter,
): Subject[] {
  const selected = (customer: string): boolean => isCustomerSelected(filter, customer);
  const subjects = new Map<string, Subject>();
  const get = (name: string): Subject => {
    let subject = subjects.get(name);
    if (subject === undefined) {
      subject = { name };
      subjects.set(name, subject);
    }
    return subject;
  };
  for (const [name, order] of declared) get(name).declared = order;
  for (const [name, order] of Object.entries(state?.orders ?? {}))
    if (selected(order.customer)) get(name).stateOrder = order;
  for (const [name, intent] of Object.entries(state?.pending ?? {}))
    if (selected(intent.customer)) get(name).intent = intent;
  // Unsorted: callers sort what they output (actions, lookups) and adoption sorts its intents.
  return [...subjects.values()];
}

function compareOrders(a: DesiredOrder, b: DesiredOrder): number {
  return compareStrings(a.customer, b.customer) || compareStrings(a.name, b.name);
}

function compareTimestamps(a: string, b: string): number {
  const x = parseTimestampMs(a);
  const y = parseTimestampMs(b);
  if (x === undefined || y === undefined) return compareStrings(a, b);
  return x - y;
}
