/**
 * Guardrails (docs/planning.md, "Limits"): the config's `limits` bound what one plan may buy, so a
 * typo (2000 seats for 20) or a runaway generator of order files fails before anything is bought.
 * Pure: the planner passes what it plans, this returns an error diagnostic per limit passed.
 *
 * The remedy is always to raise the limit in the config, in the same reviewed change as the
 * declaration that needs it; no command-line flag overrides a limit, so a limit cannot be lifted
 * by whoever happens to run apply.
 */
import { createDiagnostic } from "./errors.js";
import type { Diagnostic } from "./errors.js";
import type { DesiredOrder, OrderContent } from "./model.js";
import type { PlanAction } from "./plan.js";

/** The config's `limits`; an absent limit does not apply. */
export interface Limits {
  /** The largest quantity of one line item, in a create or as the target of an update. */
  maxQuantityPerLineItem?: number;
  /** The largest increase of one line item's quantity in one update. */
  maxSeatIncrease?: number;
  /** The most new orders one apply may place; resumes of started creates do not count. */
  maxOrdersPerApply?: number;
}

export type LimitName = keyof Limits;

/** A quantity change of one placed line item, as an update action plans it. */
export interface PlannedSeatChange {
  name: string;
  lineItemNumber: number;
  from: number;
  to: number;
}

export interface LimitsInput {
  limits: Limits;
  /** The creates (new orders) the plan places, in plan order. */
  creates: readonly { name: string; content: OrderContent }[];
  updates: readonly PlannedSeatChange[];
  /** The declarations by name, for their source locations. */
  declared: ReadonlyMap<string, DesiredOrder>;
}

export function checkLimits(input: LimitsInput): Diagnostic[] {
  const { limits, declared } = input;
  const diagnostics: Diagnostic[] = [];
  const report = (limit: LimitName, value: number, message: string, name?: string): void => {
    const source = name === undefined ? undefined : declared.get(name)?.source;
    diagnostics.push(
      createDiagnostic("plan.limit-exceeded", `${message}: limits.${limit} is ${value}`, {
        ...(source === undefined ? {} : { file: source.file, line: source.line, column: source.column }),
        hint: `nothing was bought; if this is intended, raise limits.${limit} in the config in the same reviewed change (no flag overrides a limit)`,
      }),
    );
  };

  const maxQuantity = limits.maxQuantityPerLineItem;
  if (maxQuantity !== undefined) {
    for (const create of input.creates) {
      for (const item of create.content.lineItems) {
        if (item.quantity <= maxQuantity) continue;
        report(
          "maxQuantityPerLineItem",
          maxQuantity,
          `order "${create.name}" declares ${item.quantity} x ${item.offerId} in lineItems[${item.lineItemNumber}].quantity`,
          create.name,
        );
      }
    }
    for (const update of input.updates) {
      if (update.to <= maxQuantity) continue;
      report(
        "maxQuantityPerLineItem",
        maxQuantity,
        `order "${update.name}" would update lineItems[${update.lineItemNumber}].quantity from ${update.from} to ${update.to}`,
        update.name,
      );
    }
  }

  const maxIncrease = limits.maxSeatIncrease;
  if (maxIncrease !== undefined) {
    for (const update of input.updates) {
      const increase = update.to - update.from;
      if (increase <= maxIncrease) continue;
      report(
        "maxSeatIncrease",
        maxIncrease,
        `order "${update.name}" would add ${increase} seats to lineItems[${update.lineItemNumber}].quantity (${update.from} -> ${update.to})`,
        update.name,
      );
    }
  }

  const maxOrders = limits.maxOrdersPerApply;
  if (maxOrders !== undefined && input.creates.length > maxOrders) {
    const names = input.creates.map((c) => c.name);
    const shown =
      names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
    report("maxOrdersPerApply", maxOrders, `the plan places ${input.creates.length} new orders (${shown})`);
  }
  return diagnostics;
}

/**
 * The seat changes of a plan's updates that the limits bound: those the plan starts. A pending
 * update only finishes a change that was started (and may already be made), as a resume finishes
 * a create, so it is not held back by a limit lowered since.
 */
export function selectLimitedSeatChanges(actions: readonly PlanAction[]): PlannedSeatChange[] {
  return actions.flatMap((action) =>
    action.kind !== "update"
      ? []
      : action.updates
          .filter((u) => u.pending === undefined)
          .map((u) => ({ name: action.name, lineItemNumber: u.lineItemNumber, from: u.from, to: u.to })),
  );
}
