/**
 * Pure state folding: the journal a run appends (src/state) is replayed onto a snapshot here.
 *
 * Every journal record sets or deletes whole map slots keyed by order name (it never edits a
 * nested object in place), so replaying a journal onto a state that already contains it gives the
 * same state. Recovery relies on that: a leftover journal is always folded, even when a kill came
 * after the snapshot was renamed and before the journal was truncated.
 */
import type {
  CustomerRecord,
  FailureRecord,
  PendingIntent,
  PendingUpdate,
  SentSeatChange,
  StateFile,
  StateOrder,
  StateOrderStatus,
} from "./model.js";
import { STATE_FORMAT_VERSION } from "./model.js";
import { assertNever } from "./plan.js";

/**
 * One journal record. Appended (one fsync each) while a run holds the lock, folded into the
 * snapshot by commit() or by the next locked read after a crash. Folding is pure:
 * foldJournal(state, entries) below.
 */
export type JournalEntry =
  | { type: "intent"; intent: PendingIntent }
  // Removes the pending intent and any failure of that name; `customer`: the company name of the
  // order's customer, when state had none (apply learns it from the plan).
  | { type: "created"; order: StateOrder; customer?: CustomerRecord }
  | { type: "failed"; failure: FailureRecord } // removes the pending intent
  | { type: "status"; name: string; status: StateOrderStatus }
  | { type: "forget"; name: string } // state rm: drops order, intent and failure (not the generation)
  | { type: "move"; from: string; to: string } // state mv: the order and failure records change name
  // Seat changes (docs/exactly-once.md, "Seat changes"), keyed NAME#LINE_ITEM_NUMBER:
  | { type: "update-intent"; update: PendingUpdate } // before any byte of the PATCH is sent
  | { type: "update-done"; name: string; change: SentSeatChange } // records the change, ends the intent
  // A refusal, or a stop before sending: ends the intent, keeps the failure for the plan to show.
  // failure.lineItemNumber names the line item whose intent ends.
  | { type: "update-failed"; failure: FailureRecord }
  // A customer's company name as read from Partner Center (docs/state.md, "Customer names").
  | { type: "customer"; customer: string; record: CustomerRecord };

/** The key of a line item's pending seat change in `pendingUpdates`. */
export function selectPendingUpdateKey(name: string, lineItemNumber: number): string {
  return `${name}#${lineItemNumber}`;
}

export function createEmptyState(lineage: string): StateFile {
  return { version: STATE_FORMAT_VERSION, lineage, serial: 0, orders: {}, pending: {}, failures: {} };
}

/** Returns a new state with the entries applied in order; the input is not modified. */
export function foldJournal(state: StateFile, entries: readonly JournalEntry[]): StateFile {
  const next = copyStateMaps(state);
  for (const entry of entries) foldJournalEntryInPlace(next, entry);
  return next;
}

/**
 * Copies the three maps (not the records, which are never mutated), so that the copy can be
 * folded into with foldJournalEntryInPlace without touching the original. O(number of orders).
 */
export function copyStateMaps(state: StateFile): StateFile {
  return {
    ...state,
    orders: { ...state.orders },
    pending: { ...state.pending },
    failures: { ...state.failures },
    ...(state.generations === undefined ? {} : { generations: { ...state.generations } }),
    ...(state.pendingUpdates === undefined ? {} : { pendingUpdates: { ...state.pendingUpdates } }),
    ...(state.customers === undefined ? {} : { customers: { ...state.customers } }),
  };
}

/** The request-id generation the next create of `name` uses (docs/exactly-once.md). */
export function selectNextGeneration(state: StateFile | null, name: string): number {
  const generations = state?.generations;
  if (generations === undefined || !Object.prototype.hasOwnProperty.call(generations, name)) return 0;
  return generations[name] ?? 0;
}

/**
 * A definitive answer (201, adoption, business error) to a pending intent ends that intent's
 * generation: the next create of the name derives a new request id. next = max(next, used + 1),
 * so folding a record twice (recovery replays journals) changes nothing. An intent written
 * before ids were derived has no generation; its id was random and cannot collide with a derived
 * one, so nothing moves. The map is the caller's own copy (copyStateMaps): updated in place, O(1).
 */
function advanceGeneration(state: StateFile, name: string): void {
  const intent = Object.prototype.hasOwnProperty.call(state.pending, name) ? state.pending[name] : undefined;
  if (intent?.generation === undefined) return;
  const current = selectNextGeneration(state, name);
  const next = Math.max(current, intent.generation + 1);
  if (next === current) return;
  state.generations ??= {};
  state.generations[name] = next;
}

/**
 * Applies one entry by replacing map slots of `state` (which the caller owns). O(1), so that a
 * session can keep its in-memory state current at any state size. Records are replaced, never
 * edited, so shallow copies taken earlier (copyStateMaps) stay unchanged.
 */
export function foldJournalEntryInPlace(state: StateFile, entry: JournalEntry): void {
  switch (entry.type) {
    case "intent":
      state.pending[entry.intent.name] = entry.intent;
      return;
    case "created": {
      const previous = ownSlot(state.orders, entry.order.name);
      const incoming = entry.order.orderId;
      if (previous === undefined) {
        state.orders[entry.order.name] = entry.order;
      } else if (previous.orderId === incoming) {
        state.orders[entry.order.name] =
          previous.replaced === undefined ? entry.order : { ...entry.order, replaced: previous.replaced };
      } else if (previous.replaced?.some((old) => old.orderId === incoming) !== true) {
        // A --replace create supersedes an order that still exists: keep its record with the new one.
        const { replaced: earlier = [], ...record } = previous;
        state.orders[entry.order.name] = { ...entry.order, replaced: [...earlier, record] };
      }
      // else: a replayed record of an order this one already superseded (recovery): nothing changes.
      if (entry.customer !== undefined) setCustomer(state, entry.order.customer, entry.customer);
      advanceGeneration(state, entry.order.name);
      delete state.pending[entry.order.name];
      delete state.failures[entry.order.name];
      return;
    }
    case "failed":
      advanceGeneration(state, entry.failure.name);
      state.failures[entry.failure.name] = entry.failure;
      delete state.pending[entry.failure.name];
      return;
    case "status": {
      // A status for an order not (or no longer) in state carries no information: ignored.
      const order = ownSlot(state.orders, entry.name);
      if (order !== undefined) state.orders[entry.name] = { ...order, status: entry.status };
      return;
    }
    case "forget":
      delete state.orders[entry.name];
      delete state.pending[entry.name];
      delete state.failures[entry.name];
      for (const update of selectPendingUpdates(state, entry.name)) {
        removePendingUpdate(state, selectPendingUpdateKey(update.name, update.lineItemNumber));
      }
      return;
    case "move": {
      // `state mv` refuses a pending intent and an occupied target; replaying a move that already
      // happened (recovery) finds no record under `from` and changes nothing.
      const order = ownSlot(state.orders, entry.from);
      if (order !== undefined && ownSlot(state.orders, entry.to) === undefined) {
        state.orders[entry.to] = { ...order, name: entry.to };
        delete state.orders[entry.from];
      }
      const failure = ownSlot(state.failures, entry.from);
      if (failure !== undefined && ownSlot(state.failures, entry.to) === undefined) {
        state.failures[entry.to] = { ...failure, name: entry.to };
        delete state.failures[entry.from];
      }
      return;
    }
    case "update-intent": {
      const key = selectPendingUpdateKey(entry.update.name, entry.update.lineItemNumber);
      state.pendingUpdates = { ...state.pendingUpdates, [key]: entry.update };
      return;
    }
    case "update-done": {
      const { change } = entry;
      removePendingUpdate(state, selectPendingUpdateKey(entry.name, change.lineItemNumber));
      const order = ownSlot(state.orders, entry.name);
      // Replaying a change already recorded (recovery) finds its request id among the changes
      // (not always as the last one: a run changes several line items): nothing changes.
      const recorded = order?.seatChanges?.some((c) => c.requestId === change.requestId) === true;
      if (order !== undefined && !recorded) {
        state.orders[entry.name] = { ...order, seatChanges: [...(order.seatChanges ?? []), change] };
      }
      const failure = ownSlot(state.failures, entry.name);
      if (failure?.lineItemNumber === change.lineItemNumber) delete state.failures[entry.name];
      return;
    }
    case "update-failed":
      if (entry.failure.lineItemNumber !== undefined) {
        removePendingUpdate(state, selectPendingUpdateKey(entry.failure.name, entry.failure.lineItemNumber));
      }
      state.failures[entry.failure.name] = entry.failure;
      return;
    case "customer":
      setCustomer(state, entry.customer, entry.record);
      return;
    default:
      assertNever(entry);
  }
}

/** The slot is replaced whole: replaying the record (recovery) sets the same value again. */
function setCustomer(state: StateFile, customer: string, record: CustomerRecord): void {
  state.customers ??= {};
  state.customers[customer.toLowerCase()] = record;
}

/** The pending seat changes of one order name, by line item number. */
export function selectPendingUpdates(state: StateFile | null, name: string): PendingUpdate[] {
  const all = state?.pendingUpdates;
  if (all === undefined) return [];
  return Object.values(all)
    .filter((u) => u.name === name)
    .sort((a, b) => a.lineItemNumber - b.lineItemNumber);
}

/** Replaces the map (which may be shared with an earlier copy) rather than editing it. */
function removePendingUpdate(state: StateFile, key: string): void {
  const all = state.pendingUpdates;
  if (all === undefined || !Object.prototype.hasOwnProperty.call(all, key)) return;
  const { [key]: _removed, ...rest } = all;
  if (Object.keys(rest).length === 0) delete state.pendingUpdates;
  else state.pendingUpdates = rest;
}

/** map[key] when the map itself holds it: names such as `constructor` are valid order names. */
/**
 * A map slot the map itself holds: order names are user text, and `constructor` or `toString`
 * must not read Object.prototype's members.
 */
export function selectOwnSlot<T>(map: Record<string, T> | undefined, key: string): T | undefined {
  return map !== undefined && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

function ownSlot<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

/**
 * Counts entries by type, for history summaries such as "recovered 3 journal records (1 intent, 2
 * created)". Customer names are counted only when there are some, so summaries of runs without
 * them read as before.
 */
export function countJournalEntries(
  entries: readonly JournalEntry[],
): Record<Exclude<JournalEntry["type"], "customer">, number> & { customer?: number } {
  const counts: Record<Exclude<JournalEntry["type"], "customer">, number> & { customer?: number } = {
    intent: 0,
    created: 0,
    failed: 0,
    status: 0,
    forget: 0,
    move: 0,
    "update-intent": 0,
    "update-done": 0,
    "update-failed": 0,
  };
  for (const entry of entries) counts[entry.type] = (counts[entry.type] ?? 0) + 1;
  return counts;
}
