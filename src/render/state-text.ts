/** Text views of the state for `show` and `state list|show|history`. Renderers only read. */
import { isWithinCancellationWindow } from "../core/cancellation-window.js";
import type { CancellationWindow } from "../core/cancellation-window.js";
import type { PendingUpdate, StateFile, StateOrder } from "../core/model.js";
import { selectOrderWindow } from "../core/order-window.js";
import { selectRecordedName } from "../core/customer-names.js";
import { selectCurrentContent } from "../core/seat-changes.js";
import { renderCustomerLabel } from "./customer-label.js";
import type { DamagedHistoryFile, HistoryEntry } from "../state/types.js";

export function renderStateText(state: StateFile, _options: { color: boolean }): string {
  const lines = [`State lineage ${state.lineage}, serial ${state.serial}`, ""];
  const orders = Object.values(state.orders).sort(compareOrders);
  lines.push(orders.length === 0 ? "No orders recorded." : `${orders.length} order(s):`);
  for (const order of orders)
    lines.push(
      `  ${order.name}  ${order.orderId}  ${order.status}  customer ${renderCustomerLabel(order.customer, selectRecordedName(state, order.customer))}`,
    );
  const pending = Object.values(state.pending).sort((a, b) => a.name.localeCompare(b.name));
  if (pending.length > 0) {
    lines.push(
      "",
      `${pending.length} pending intent(s) (started, not confirmed; the next apply resumes them):`,
    );
    for (const intent of pending)
      lines.push(`  ${intent.name}  MS-RequestId ${intent.requestId}  started ${intent.startedAt}`);
  }
  const failures = Object.values(state.failures).sort((a, b) => a.name.localeCompare(b.name));
  if (failures.length > 0) {
    lines.push("", `${failures.length} failed order(s) (nothing was bought):`);
    for (const f of failures) lines.push(`  ${f.name}  HTTP ${f.httpStatus} ${f.code}: ${f.description}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * `state list`: one line per name, sorted; a placed order's line names its customer (with the
 * company name state keeps), a pending create's line ends in `(pending)`.
 */
export function renderStateList(state: StateFile | null): string {
  if (state === null) return "";
  const lines = [
    ...Object.values(state.orders).map(
      (o) => `${o.name}  customer ${renderCustomerLabel(o.customer, selectRecordedName(state, o.customer))}`,
    ),
    ...Object.values(state.pending).map((p) => `${p.name} (pending)`),
  ];
  return lines
    .sort()
    .map((n) => `${n}\n`)
    .join("");
}

/**
 * `state show NAME`: the record, its seat changes (oldest first) and the started ones of that name;
 * `nowMs` comes from the CLI edge and only decides whether the window is open.
 */
export function renderStateOrder(
  order: StateOrder,
  nowMs: number,
  pending: readonly PendingUpdate[] = [],
  companyName?: string,
): string {
  const window = selectOrderWindow(order);
  const lines = [
    `# ${order.name}`,
    `order id:       ${order.orderId}`,
    `customer:       ${renderCustomerLabel(order.customer, companyName)}`,
    `status:         ${order.status}`,
    `MS-RequestId:   ${order.requestId}`,
    `created:        ${order.creationDate}`,
    `recorded:       ${order.recordedAt} (${order.origin})`,
    ...(window === null
      ? []
      : [
          isWithinCancellationWindow(window, nowMs)
            ? `cancellation:   cancellable until ${window.until} (seats reduced or the order cancelled in Partner Center)`
            : `cancellation:   cancellation window closed at ${window.until}`,
        ]),
    `billing cycle:  ${order.applied.billingCycle}`,
    "line items:",
  ];
  const current = selectCurrentContent(order);
  order.applied.lineItems.forEach((item, index) => {
    const subscription = order.remoteLineItems?.find(
      (r) => r.lineItemNumber === item.lineItemNumber,
    )?.subscriptionId;
    const now = current.lineItems[index]?.quantity ?? item.quantity;
    lines.push(
      `  [${item.lineItemNumber}] ${item.offerId} x${now}${now === item.quantity ? "" : ` (placed as x${item.quantity})`}${item.termDuration ? ` ${item.termDuration}` : ""}${
        subscription ? `  subscription ${subscription}` : ""
      }`,
    );
  });
  if ((order.seatChanges ?? []).length > 0) lines.push("seat changes:");
  for (const c of order.seatChanges ?? []) {
    if (c.observed === true) {
      lines.push(
        `  ${c.at}  lineItems[${c.lineItemNumber}] ${c.from} -> ${c.to}  subscription ${c.subscriptionId}  observed at import (changed outside orderform before it recorded the order; nothing sent)`,
      );
      continue;
    }
    const who = [c.by, c.commit === undefined ? undefined : `commit ${c.commit.slice(0, 8)}`, c.ci]
      .filter((part) => part !== undefined)
      .join(", ");
    lines.push(
      `  ${c.at}  lineItems[${c.lineItemNumber}] ${c.from} -> ${c.to}  subscription ${c.subscriptionId}  MS-RequestId ${c.requestId}${who === "" ? "" : `  (${who})`}`,
    );
  }
  for (const u of pending) {
    lines.push(
      `pending update: lineItems[${u.lineItemNumber}] ${u.from} -> ${u.to}  subscription ${u.subscriptionId}  MS-RequestId ${u.requestId}  started ${u.startedAt} (outcome unknown; the next apply finishes it with this request id)`,
    );
  }
  for (const previous of order.replaced ?? []) {
    lines.push(
      `replaced:       order ${previous.orderId} (${previous.creationDate}; not cancelled by orderform)`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * `state show NAME --json`: the record (with its `seatChanges`), its new-commerce cancellation
 * window when it has one, and the started seat changes of that name as `pendingUpdates`.
 */
export function createStateOrderJson(
  order: StateOrder,
  nowMs: number,
  pending: readonly PendingUpdate[] = [],
): StateOrder & {
  cancellationWindow?: CancellationWindow & { open: boolean };
  pendingUpdates?: PendingUpdate[];
} {
  const window = selectOrderWindow(order);
  if (window === null && pending.length === 0) return order;
  return {
    ...order,
    ...(window === null
      ? {}
      : { cancellationWindow: { ...window, open: isWithinCancellationWindow(window, nowMs) } }),
    ...(pending.length === 0 ? {} : { pendingUpdates: [...pending] }),
  };
}

/** The history table; damaged files (see readHistoryListing) get a DAMAGED row in serial order. */
export function renderHistory(entries: HistoryEntry[], damaged: readonly DamagedHistoryFile[] = []): string {
  const rows: { serial: number; line: string }[] = entries.map((e) => ({
    serial: e.serial,
    line: `${String(e.serial).padEnd(7)} ${e.time.padEnd(25)} ${`${e.user}@${e.host}`.padEnd(25)} ${(e.gitCommit ?? "-").slice(0, 8).padEnd(9)} ${e.command}: ${e.summary}${e.seatChanges === undefined ? "" : ` [seats: ${e.seatChanges} changed]`}${e.ordersWorktree === "dirty" ? " [uncommitted order files]" : ""}`,
  }));
  for (const d of damaged) {
    rows.push({ serial: d.serial, line: `${String(d.serial).padEnd(7)} DAMAGED (skipped): ${d.file}` });
  }
  rows.sort((a, b) => a.serial - b.serial);
  const header = "SERIAL  TIME                      USER@HOST                 COMMIT    COMMAND / SUMMARY";
  return [header, ...rows.map((row) => row.line)].join("\n") + "\n";
}

/**
 * `state history --json`: the array of versions as before, with each damaged file in serial order
 * as `{"serial", "damaged": true, "file", "problem"}` (versions never have a `damaged` member).
 */
export function createHistoryJson(
  entries: readonly HistoryEntry[],
  damaged: readonly DamagedHistoryFile[],
): (HistoryEntry | (DamagedHistoryFile & { damaged: true }))[] {
  const items: (HistoryEntry | (DamagedHistoryFile & { damaged: true }))[] = [
    ...entries,
    ...damaged.map((d) => ({ serial: d.serial, damaged: true as const, file: d.file, problem: d.problem })),
  ];
  return items.sort((a, b) => a.serial - b.serial);
}

export function renderDamagedHistoryWarning(damaged: readonly DamagedHistoryFile[]): string {
  return damaged
    .map((d) => `Warning: history file ${d.file} is damaged and was skipped: ${d.problem}\n`)
    .join("");
}

function compareOrders(a: StateOrder, b: StateOrder): number {
  return a.customer.localeCompare(b.customer) || a.name.localeCompare(b.name);
}
