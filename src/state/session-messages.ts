/** Sentences of the session's errors (./local-session.ts): what became of a record. */
import { OrderformError } from "../core/errors.js";
import { assertNever } from "../core/plan.js";
import type { JournalEntry } from "./types.js";

export type OrderRecord = Extract<JournalEntry, { type: "created" | "failed" }>;

export function describeEntry(entry: JournalEntry): string {
  switch (entry.type) {
    case "intent":
      return `the intent to create ${entry.intent.name}`;
    case "created":
      return `the record of order ${entry.order.orderId} (${entry.order.name}, MS-RequestId ${entry.order.requestId})`;
    case "failed":
      return `the record that the service refused ${entry.failure.name} (MS-RequestId ${entry.failure.requestId}, nothing was bought)`;
    case "status":
      return `the status change of ${entry.name}`;
    case "forget":
      return `the removal of ${entry.name}`;
    case "move":
      return `the renaming of ${entry.from} to ${entry.to}`;
    case "update-intent":
      return `the intent to change the seats of ${entry.update.name} (subscription ${entry.update.subscriptionId}, ${entry.update.from} -> ${entry.update.to})`;
    case "update-done":
      return `the record of the seat change of ${entry.name} (subscription ${entry.change.subscriptionId}, ${entry.change.from} -> ${entry.change.to}, MS-RequestId ${entry.change.requestId})`;
    case "update-failed":
      return `the record that the seat change of ${entry.failure.name} was refused or stopped (MS-RequestId ${entry.failure.requestId})`;
    case "customer":
      return `the company name of customer ${entry.customer}`;
    default:
      return assertNever(entry);
  }
}

/** Records of orders that exist (or were refused) in Partner Center: never dropped. */
export function isOrderRecord(entry: JournalEntry): entry is OrderRecord {
  return entry.type === "created" || entry.type === "failed";
}

export function renderRequestId(entry: OrderRecord): string {
  return entry.type === "created" ? entry.order.requestId : entry.failure.requestId;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The same error with a sentence about what happened to the data appended to its message. */
export function appendConsequence(error: unknown, consequence: string): unknown {
  if (!(error instanceof OrderformError)) return error;
  return new OrderformError(error.code, `${error.message} ${consequence}`, {
    hint: error.hint,
    cause: error,
  });
}
