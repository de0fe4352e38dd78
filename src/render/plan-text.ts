/**
 * The plan in Terraform's words and layout, for terminals and CI logs. Reads only the Plan.
 * describeAction() is shared with the markdown renderer so both say the same thing.
 */
import { renderCustomerLabel } from "./customer-label.js";
import { assertNever, selectPlanRefresh } from "../core/plan.js";
import type { Diagnostic } from "../core/errors.js";
import type { DesiredLineItem, OrderContent } from "../core/model.js";
import type { OpenCancellationWindow } from "../core/order-window.js";
import type { FieldDifference, Plan, PlanAction, UpdateAction } from "../core/plan.js";
import { createColors } from "./colors.js";
import type { Colors } from "./colors.js";

/** The symbol Terraform-style output puts before each action. */
export const ACTION_SYMBOLS: Record<PlanAction["kind"], string> = {
  create: "+",
  resume: "~",
  update: "~",
  "no-op": " ",
  drift: "!",
  conflict: "x",
  undeclared: "-",
};

export interface ActionDescription {
  /** e.g. "contoso/seats will be created" (without the leading "# "). */
  heading: string;
  /** e.g. "create contoso/seats" (without the symbol). */
  title: string;
  /** Indented detail lines: content, differences, ids. */
  details: string[];
  /** What the reader can do about it (remedies, hints). */
  remedies: string[];
}

/** What to say about one action; the plan is passed for the declarations' source locations. */
export function describeAction(action: PlanAction, plan: Plan): ActionDescription {
  const where = `customer ${action.customer}`;
  switch (action.kind) {
    case "create":
      return {
        heading:
          action.replaces === undefined
            ? `${action.name} will be created`
            : `${action.name} will be bought as a NEW order; orderform does not cancel order ${action.replaces.orderId}`,
        title: `create ${action.name}`,
        details: [...describeContent(action.content), `reason: ${action.reason}`],
        remedies: [],
      };
    case "resume": {
      const details = [
        `request id: ${action.intent.requestId}`,
        `started at: ${action.intent.startedAt}`,
        ...(action.adopt === undefined
          ? []
          : [
              action.adopt.mode === "fallback"
                ? `if unanswered: records order ${action.adopt.orderId} (created ${action.adopt.order.creationDate})`
                : `records order: ${action.adopt.orderId} (created ${action.adopt.order.creationDate}), without re-sending`,
            ]),
        ...describeContent(action.intent.content),
        `reason: ${action.reason}`,
      ];
      if (action.differences !== undefined && action.differences.length > 0) {
        details.push("declaration changed since the create started (finished as recorded):");
        details.push(...action.differences.map((d) => `  ${describeDifference(d)}`));
      }
      return {
        heading:
          action.adopt?.mode === "instead"
            ? `${action.name} will be resumed by recording order ${action.adopt.orderId}`
            : `${action.name} will be resumed (a create that was started and not confirmed)`,
        title: `resume ${action.name}`,
        details,
        remedies: [],
      };
    }
    case "update":
      return describeUpdate(action, where);
    case "no-op":
      return {
        heading: `${action.name} is unchanged (order ${action.stateOrder.orderId}, ${where})`,
        title: `no-op ${action.name}`,
        details: [`reason: ${action.reason}`],
        remedies: [],
      };
    case "drift":
      return {
        heading: `${action.name} (order ${action.stateOrder.orderId}, ${where}) has changed outside orderform`,
        title: `drift ${action.name}`,
        details: [...action.differences.map(describeDifference), `reason: ${action.reason}`],
        remedies: [
          `Nothing is bought for it. To place a new order, run with --replace ${action.name}; or leave it as it is.`,
        ],
      };
    case "conflict": {
      const source = plan.desired.find((d) => d.name === action.name)?.source;
      const location = source === undefined ? "" : ` in ${source.file}:${source.line}:${source.column}`;
      return {
        heading: `${action.name} (order ${action.stateOrder.orderId}, ${where}) conflicts with its declaration`,
        title: `conflict ${action.name}`,
        details: [...action.differences.map(describeDifference), `reason: ${action.reason}`],
        remedies: [
          `Restore the declaration${location} to match order ${action.stateOrder.orderId},`,
          `or run with --replace ${action.name} to place a new order (order ${action.stateOrder.orderId} stays as it is).`,
        ],
      };
    }
    case "undeclared": {
      const orderId = action.stateOrder?.orderId ?? action.intent?.requestId ?? "?";
      return {
        heading: `${action.name} (order ${orderId}, ${where}) is in state but no longer declared`,
        title: `undeclared ${action.name}`,
        details: [`reason: ${action.reason}`],
        remedies: [`Run \`orderform state rm ${action.name}\` to stop tracking it.`],
      };
    }
    default:
      return assertNever(action);
  }
}

/** The heading of the open cancellation windows, shared with the markdown renderer. */
export const OPEN_WINDOWS_HEADING =
  "Cancellation windows open (until then, seats can be reduced or the order cancelled in Partner Center):";

export function describeOpenWindow(w: OpenCancellationWindow): string {
  return `${w.name} (customer ${w.customer}) order ${w.orderId} until ${w.until}`;
}

function describeUpdate(action: UpdateAction, where: string): ActionDescription {
  const details = action.updates.map((u) => {
    const index = action.stateOrder.applied.lineItems.findIndex(
      (li) => li.lineItemNumber === u.lineItemNumber,
    );
    const at = `lineItems[${index < 0 ? u.lineItemNumber : index}].quantity: ${u.from} -> ${u.to}`;
    if (u.subscriptionId === null) return `${at}  waiting for provisioning (no subscription yet; skipped)`;
    const resumed =
      u.pending === undefined ? "" : `  (started ${u.pending.startedAt}, request id ${u.pending.requestId})`;
    return `${at}  subscription ${u.subscriptionId}${resumed}`;
  });
  return {
    heading: `${action.name} (order ${action.stateOrder.orderId}, ${where}) will be updated in place`,
    title: `update ${action.name}`,
    details: [...details, `reason: ${action.reason}`],
    remedies: [],
  };
}

function describeContent(content: OrderContent): string[] {
  const lines = [`customer: ${content.customer}`, `billingCycle: ${content.billingCycle}`];
  if (content.partnerOnRecordAttestationAccepted !== undefined) {
    lines.push(`partnerOnRecordAttestationAccepted: ${String(content.partnerOnRecordAttestationAccepted)}`);
  }
  content.lineItems.forEach((item, i) => lines.push(...describeLineItem(item, i)));
  return lines;
}

const MAIN_LINE_ITEM_KEYS = new Set(["lineItemNumber", "offerId", "quantity", "termDuration"]);

function describeLineItem(item: DesiredLineItem, index: number): string[] {
  const term = item.termDuration === undefined ? "" : `, ${item.termDuration}`;
  const lines = [`lineItems[${index}]: ${item.quantity} x ${item.offerId}${term}`];
  for (const [key, value] of Object.entries(item)) {
    if (MAIN_LINE_ITEM_KEYS.has(key) || value === undefined) continue;
    lines.push(`  ${key}: ${formatValue(value)}`);
  }
  return lines;
}

function describeDifference(d: FieldDifference): string {
  return `${d.path}: ${formatValue(d.before)} -> ${formatValue(d.after)}`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "(none)";
  return JSON.stringify(value);
}

export function renderPlanText(plan: Plan, options: { color: boolean }): string {
  return [...renderPlanTextChunks(plan, options)].join("");
}

/** How much text renderPlanTextChunks gathers before it hands a piece on. */
const CHUNK_CHARS = 64 * 1024;

/**
 * renderPlanText's text in pieces of about 64 KB, in order, for a caller that writes them as they
 * come: a plan over 100,000 orders prints a line for each open cancellation window, and holding
 * those lines, their joined text and its bytes at once raised the run's peak memory by tens of MB
 * (docs/performance.md, "Where a plan's memory goes").
 */
export function* renderPlanTextChunks(plan: Plan, options: { color: boolean }): Generator<string, void> {
  let piece: string[] = [];
  let size = 0;
  for (const line of renderLines(plan, createColors(options.color))) {
    piece.push(line, "\n");
    size += line.length + 1;
    if (size >= CHUNK_CHARS) {
      yield piece.join("");
      piece = [];
      size = 0;
    }
  }
  if (piece.length > 0) yield piece.join("");
}

function* renderLines(plan: Plan, c: Colors): Generator<string, void> {
  const of = <K extends PlanAction["kind"]>(kind: K): Extract<PlanAction, { kind: K }>[] =>
    plan.actions.filter((a): a is Extract<PlanAction, { kind: K }> => a.kind === kind);
  const drifts = of("drift");
  const conflicts = of("conflict");
  const changes = plan.actions.filter(
    (a) => a.kind === "create" || a.kind === "resume" || a.kind === "update",
  );
  const undeclared = of("undeclared");
  // Orders not checked at all are counted in the refresh note instead: with --refresh=false they
  // are nearly every order, one line each would bury the change under the estate.
  const unseen = of("no-op").filter((a) => a.seen === "not-yet-visible");
  const refreshNote = describeRefreshNote(plan);
  if (refreshNote !== undefined) yield* [c.bold(refreshNote), ""];

  if (drifts.length > 0) {
    yield* [c.bold("Note: Objects have changed outside orderform"), ""];
    yield* [
      "orderform detected the following changes made outside orderform since the orders were placed:",
      "",
    ];
    for (const action of drifts) yield* [...renderAction(action, plan, c), ""];
  }

  if (conflicts.length > 0) {
    yield* [c.red(c.bold("Error: declarations were edited after their orders were placed")), ""];
    for (const action of conflicts) yield* [...renderAction(action, plan, c), ""];
  }

  if (changes.length > 0) {
    yield* ["orderform will perform the following actions:", ""];
    let customer: string | undefined;
    for (const action of changes) {
      if (action.customer !== customer) {
        customer = action.customer;
        yield* [c.bold(`  Customer ${renderCustomerLabel(customer, action.companyName)}`), ""];
      }
      yield* [...renderAction(action, plan, c), ""];
    }
  }

  if (undeclared.length > 0) {
    yield* [c.bold("Undeclared orders (in state, no longer in any file):"), ""];
    for (const action of undeclared) yield* [...renderAction(action, plan, c), ""];
  }

  if (unseen.length > 0) {
    yield* [c.dim("Not yet confirmed by Partner Center (never placed again):")];
    for (const action of unseen) yield* [c.dim(`  ${action.name}: ${action.reason}`)];
    yield* [""];
  }

  const windows = plan.cancellationWindows ?? [];
  if (windows.length > 0) {
    yield* [OPEN_WINDOWS_HEADING];
    for (const w of windows) yield* [`  ${describeOpenWindow(w)}`];
    yield* [""];
  }

  for (const d of plan.diagnostics) yield* [...renderDiagnostic(d, c), ""];

  const s = plan.summary;
  if (selectPlanRefresh(plan) === "only") {
    yield* [
      drifts.length === 0
        ? `${c.green(c.bold("No drift."))} ${plural(s.noop, "order")} ${s.noop === 1 ? "matches" : "match"} what Partner Center shows.`
        : c.bold(`Drift: ${plural(drifts.length, "order")} changed outside orderform, ${s.noop} unchanged.`),
    ];
    return;
  }
  if (changes.length === 0 && drifts.length === 0 && conflicts.length === 0) {
    yield* [c.green(c.bold("No changes.")) + " Your orders match the declarations."];
    return;
  }
  yield* [c.bold(`Plan: ${describeSummaryCounts(s)}.`)];
  const errors = plan.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) {
    yield* [c.red(`${plural(errors, "error")} above: this plan cannot be applied until resolved.`)];
  }
  if (drifts.length > 0) {
    const them = drifts.length === 1 ? "it" : "them";
    yield* [`${plural(drifts.length, "order")} changed outside orderform; nothing is bought for ${them}.`];
  }
  if (conflicts.length > 0) {
    const them = conflicts.length === 1 ? "it" : "them";
    yield* [
      c.red(
        `${plural(conflicts.length, "declaration")} in conflict: resolve ${them} before this plan can be applied.`,
      ),
    ];
  }
  return;
}

/**
 * What a plan that did not fully refresh says about it (docs/planning.md, "Refresh"); undefined for
 * a full plan. Shared by the text and markdown renderers.
 */
export function describeRefreshNote(plan: Plan): string | undefined {
  const refresh = selectPlanRefresh(plan);
  switch (refresh) {
    case "full":
      return undefined;
    case "skipped": {
      const trusted = plan.actions.filter((a) => a.kind === "no-op" && a.seen === "not-checked").length;
      return `Drift was not checked (--refresh=false): only the customers with changes were listed; ${plural(trusted, "order")} of the others ${trusted === 1 ? "is" : "are"} trusted as recorded in state. \`orderform plan --refresh-only\` checks drift.`;
    }
    case "only":
      return "Refresh-only (--refresh-only): every customer was listed and drift alone is reported; nothing is planned, and applying this plan buys nothing.";
    default:
      return assertNever(refresh);
  }
}

/** The summary's counts; seat changes are named only when there are some. */
export function describeSummaryCounts(s: Plan["summary"]): string {
  const update = s.update === 0 ? "" : ` ${s.update} to update,`;
  return `${s.create} to create,${update} ${s.resume} to resume, ${s.noop} unchanged`;
}

function renderAction(action: PlanAction, plan: Plan, c: Colors): string[] {
  const d = describeAction(action, plan);
  const paint = paintFor(action, c);
  return [
    c.bold(`  # ${d.heading}`),
    paint(`  ${ACTION_SYMBOLS[action.kind]} ${d.title}`),
    ...d.details.map((line) => `      ${line}`),
    ...d.remedies.map((line) => `  ${line}`),
  ];
}

function paintFor(action: PlanAction, c: Colors): (text: string) => string {
  switch (action.kind) {
    case "create":
      return c.green;
    case "resume":
    case "update":
      return c.yellow;
    case "drift":
      return c.magenta;
    case "conflict":
      return c.red;
    case "undeclared":
    case "no-op":
      return c.dim;
    default:
      return assertNever(action);
  }
}

function renderDiagnostic(d: Diagnostic, c: Colors): string[] {
  const label = d.severity === "error" ? c.red(c.bold("Error:")) : c.yellow(c.bold("Warning:"));
  const at =
    d.file === undefined ? "" : ` (${d.file}${d.line === undefined ? "" : `:${d.line}:${d.column ?? 1}`})`;
  return [`${label} ${d.message} [${d.code}]${at}`, ...(d.hint === undefined ? [] : [`  ${d.hint}`])];
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
