/**
 * Saved plans are checked, not trusted (docs/exactly-once.md, "Saved plans"). Pure.
 *
 * A saved plan is a file: it travels as a CI artifact and can be edited by hand. `apply PLANFILE`
 * runs this check inside the state lock, before anything is sent, against the state as locked and
 * the declarations as loaded. The lineage and serial check (the plan is not stale) runs first; this
 * one catches plans that are current but say something the state and declarations do not.
 */
import { contentOf, diffContent, matchesRemote } from "./compare.js";
import { createCanonicalJson } from "./canonical.js";
import type { DesiredOrder, StateFile, StateOrder } from "./model.js";
import { selectCurrentContent } from "./seat-changes.js";
import { createOrderBindings } from "./duplicates.js";
import { assertNever } from "./plan.js";
import { selectOwnSlot, selectPendingUpdateKey } from "./state-journal.js";
import type { Plan, PlanAction, UpdateAction } from "./plan.js";

export interface SavedPlanProblem {
  /** 1-based position of the action in the plan file's `actions`. */
  position: number;
  action: string; // e.g. "create contoso/seats"
  message: string;
}

export function checkSavedPlan(input: {
  plan: Plan;
  state: StateFile;
  desired: readonly DesiredOrder[];
}): SavedPlanProblem[] {
  const { plan, state } = input;
  const declared = new Map<string, DesiredOrder>();
  for (const order of input.desired) if (!declared.has(order.name)) declared.set(order.name, order);
  const boundTo = createOrderBindings(state);
  const problems: SavedPlanProblem[] = [];
  const seen = new Set<string>();
  plan.actions.forEach((action, index) => {
    const report = (message: string): void => {
      problems.push({ position: index + 1, action: `${action.kind} ${action.name}`, message });
    };
    if (seen.has(action.name)) report("the plan holds another action for the same name");
    // Reviewed as "drift only, buys nothing" (docs/planning.md, "Refresh"): an edit that adds work
    // to it must not pass as a plan someone approved.
    if (plan.refresh === "only" && action.kind !== "drift" && action.kind !== "no-op")
      report("a --refresh-only plan holds only drift and no-op actions");
    seen.add(action.name);
    const message = checkAction(action, { state, declared, boundTo, plan });
    if (message !== undefined) report(message);
  });
  return problems;
}

interface CheckContext {
  state: StateFile;
  declared: ReadonlyMap<string, DesiredOrder>;
  boundTo: ReadonlyMap<string, string>;
  plan: Plan;
}

function checkAction(action: PlanAction, ctx: CheckContext): string | undefined {
  const { state } = ctx;
  const record = selectOwnSlot(state.orders, action.name);
  const intent = selectOwnSlot(state.pending, action.name);
  switch (action.kind) {
    case "create": {
      if (intent !== undefined) return `state holds a pending create for it (request id ${intent.requestId})`;
      if (action.replaces === undefined && record !== undefined) {
        return `state already records order ${record.orderId} for it`;
      }
      if (action.replaces !== undefined) {
        if (record === undefined)
          return `it replaces order ${action.replaces.orderId}, which state does not record`;
        if (record.orderId.toLowerCase() !== action.replaces.orderId.toLowerCase()) {
          return `it replaces order ${action.replaces.orderId}, but state records order ${record.orderId}`;
        }
        if (!ctx.plan.options.replace.includes(action.name)) return "it replaces an order without --replace";
      }
      const declaration = ctx.declared.get(action.name);
      if (declaration === undefined) return "it is not declared in this project";
      if (action.customer.toLowerCase() !== declaration.customer.toLowerCase()) {
        return `its customer ${action.customer} is not the declared customer ${declaration.customer}`;
      }
      if (action.content.customer.toLowerCase() !== declaration.customer.toLowerCase()) {
        return `its content's customer ${action.content.customer} is not the declared customer ${declaration.customer}`;
      }
      const differences = diffContent(contentOf(declaration), action.content);
      if (differences.length > 0) {
        return `its content differs from the declaration at ${differences.map((d) => d.path).join(", ")}`;
      }
      return undefined;
    }
    case "resume": {
      if (intent === undefined) return "state holds no pending create for it";
      if (createCanonicalJson(intent) !== createCanonicalJson(action.intent)) {
        return `its intent differs from the pending create in state (request id ${intent.requestId})`;
      }
      if (action.customer.toLowerCase() !== intent.customer.toLowerCase()) {
        return `its customer ${action.customer} is not the intent's customer ${intent.customer}`;
      }
      const adopt = action.adopt;
      if (adopt === undefined) return undefined;
      if (adopt.orderId.toLowerCase() !== adopt.order.id.toLowerCase()) {
        return `it adopts order ${adopt.orderId} but describes order ${adopt.order.id}`;
      }
      const holder = ctx.boundTo.get(adopt.orderId.toLowerCase());
      if (holder !== undefined) return `it adopts order ${adopt.orderId}, which state binds to ${holder}`;
      if (
        adopt.order.customer.toLowerCase() !== intent.customer.toLowerCase() ||
        !matchesRemote(intent.content, adopt.order)
      ) {
        return `it adopts order ${adopt.orderId}, which does not match the pending create`;
      }
      return undefined;
    }
    case "update":
      return checkUpdate(action, record, state);
    case "no-op":
    case "drift":
    case "conflict":
      // Nothing is sent for these; a no-op may record a status, so its order must be the recorded one.
      if (record === undefined || record.orderId.toLowerCase() !== action.stateOrder.orderId.toLowerCase()) {
        return `state does not record order ${action.stateOrder.orderId} for it`;
      }
      return undefined;
    case "undeclared":
      return undefined;
    default:
      return assertNever(action);
  }
}

/** An update changes the recorded order's seats from what state records now, or finishes its intent. */
function checkUpdate(
  action: UpdateAction,
  record: StateOrder | undefined,
  state: StateFile,
): string | undefined {
  if (record === undefined || record.orderId.toLowerCase() !== action.stateOrder.orderId.toLowerCase()) {
    return `state does not record order ${action.stateOrder.orderId} for it`;
  }
  const current = selectCurrentContent(record);
  for (const update of action.updates) {
    const intent = selectOwnSlot(
      state.pendingUpdates,
      selectPendingUpdateKey(action.name, update.lineItemNumber),
    );
    if (intent !== undefined || update.pending !== undefined) {
      if (createCanonicalJson(intent ?? null) !== createCanonicalJson(update.pending ?? null)) {
        return `its seat change of lineItems[${update.lineItemNumber}] differs from the one started in state`;
      }
      continue;
    }
    const item = current.lineItems.find((li) => li.lineItemNumber === update.lineItemNumber);
    if (item?.quantity !== update.from) {
      return `it changes lineItems[${update.lineItemNumber}] from ${update.from} seats, but state records ${item?.quantity ?? "no such line item"}`;
    }
  }
  return undefined;
}

/** The same seat changes: line items, subscriptions, from and to, and the same started ones. */
function isSameUpdate(a: UpdateAction, b: UpdateAction): boolean {
  const key = (action: UpdateAction): string =>
    createCanonicalJson(
      action.updates.map((u) => [
        u.lineItemNumber,
        u.subscriptionId,
        u.from,
        u.to,
        u.pending?.requestId ?? null,
      ]),
    );
  return key(a) === key(b);
}

/**
 * Holds a saved plan's work against a plan made again inside the lock from the state as locked,
 * the declarations and Partner Center as it is now (restricted to the saved plan's customers):
 * - every saved create must still be a create of the same content, replacing the same order (a
 *   `--replace` is only planned for an order that drifted or conflicts, which the state alone
 *   cannot tell);
 * - every saved resume must still be a resume of the same intent; an adoption it names must be the
 *   one the planner chooses now, and the resume is carried out as planned now (adoption rules and
 *   the request-id retention are judged at the time of sending).
 * Returns the actions to apply, or the problems.
 */
export function reconcileSavedPlan(
  saved: Plan,
  fresh: Plan,
): { problems: SavedPlanProblem[]; actions: PlanAction[] } {
  const now = new Map(fresh.actions.map((a) => [a.name, a] as const));
  const problems: SavedPlanProblem[] = [];
  const actions = saved.actions.map((action, index) => {
    const report = (message: string): PlanAction => {
      problems.push({ position: index + 1, action: `${action.kind} ${action.name}`, message });
      return action;
    };
    const current = now.get(action.name);
    const planned = current === undefined ? "nothing" : `${current.kind} (${current.reason})`;
    switch (action.kind) {
      case "create":
        if (
          current?.kind !== "create" ||
          diffContent(current.content, action.content).length > 0 ||
          current.replaces?.orderId.toLowerCase() !== action.replaces?.orderId.toLowerCase()
        ) {
          return report(`planned again now, it is ${planned}`);
        }
        return action;
      case "resume":
        if (
          current?.kind !== "resume" ||
          createCanonicalJson(current.intent) !== createCanonicalJson(action.intent)
        ) {
          return report(`planned again now, it is ${planned}`);
        }
        if (
          action.adopt !== undefined &&
          current.adopt?.orderId.toLowerCase() !== action.adopt.orderId.toLowerCase()
        ) {
          return report(
            `it adopts order ${action.adopt.orderId}, but planned again now ${current.adopt === undefined ? "no listed order qualifies" : `only order ${current.adopt.orderId} qualifies`}`,
          );
        }
        return current;
      case "update":
        // Carried out as planned now, with the started changes as state holds them.
        if (current?.kind !== "update" || !isSameUpdate(current, action)) {
          return report(`planned again now, it is ${planned}`);
        }
        return current;
      case "no-op":
      case "drift":
      case "conflict":
      case "undeclared":
        return action;
      default:
        return assertNever(action);
    }
  });
  return { problems, actions };
}
