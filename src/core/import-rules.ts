/**
 * Which remote order `orderform import NAME ORDER_ID` may bind to which declaration (pure). The
 * rules keep the promise that no order is recorded twice and no pending create loses track of what
 * it may have bought (docs/exactly-once.md): a name already in state, a name with a pending create,
 * an order already bound to another name, an order that does not match the declaration, and an
 * order that another name's pending create may have placed are all refused.
 *
 * The declaration is compared with the order as the partner has it now: each line item with its
 * subscription's seats when the order's subscriptions were read (src/core/observed-seats.ts), so a
 * declaration of the order's original quantity after seats changed is a mismatch; the record then
 * keeps the seats as observed (createObservedRecord).
 */
import { contentOf, diffContent, matchesRemote } from "./compare.js";
import { createOrderBindings, mayIntentHavePlaced } from "./duplicates.js";
import type { DesiredOrder, OrderContent, RemoteOrder, RemoteSubscription, StateFile } from "./model.js";
import { createCurrentOrder, selectLineItemSubscriptions } from "./observed-seats.js";
import type { FieldDifference } from "./plan.js";
import { selectOwnSlot } from "./state-journal.js";

export type ImportRefusalCode =
  | "import.not-declared"
  | "import.already-managed"
  | "import.pending"
  | "import.order-bound"
  | "import.order-not-found"
  | "import.pending-may-own";

export interface ImportRefusal {
  code: ImportRefusalCode;
  message: string;
  hint?: string;
}

/** The refusals known before Partner Center is asked: from the state as locked alone. */
export function checkImportTarget(input: {
  name: string;
  orderId: string;
  state: StateFile;
}): ImportRefusal | null {
  const { name, orderId, state } = input;
  const existing = selectOwnSlot(state.orders, name);
  if (existing !== undefined) {
    return {
      code: "import.already-managed",
      message: `${name} is already in state as order ${existing.orderId}`,
      hint: `Run \`orderform state rm ${name}\` first to bind it to another order.`,
    };
  }
  const intent = selectOwnSlot(state.pending, name);
  if (intent !== undefined) {
    return {
      code: "import.pending",
      message: `${name} has a pending create (MS-RequestId ${intent.requestId}) whose outcome is unknown; importing would lose track of it`,
      hint: "Run `orderform apply` first: it resumes the create with the same request id, or adopts the order it made.",
    };
  }
  const bound = createOrderBindings(state).get(orderId.toLowerCase());
  if (bound !== undefined) {
    return { code: "import.order-bound", message: `order ${orderId} is already bound to ${bound}` };
  }
  return null;
}

export type ImportMatch =
  | { kind: "refused"; refusal: ImportRefusal }
  /** The order differs from the declaration; `differences` read in the declaration's terms. */
  | { kind: "mismatch"; differences: FieldDifference[] }
  | { kind: "bind"; content: OrderContent };

/**
 * Whether `remote` (null: Partner Center has no such order) may be recorded as `declared`, its
 * line items' seats read from `subscriptions` (the order's) where they are found.
 */
export function checkImportMatch(input: {
  declared: DesiredOrder;
  orderId: string;
  remote: RemoteOrder | null;
  subscriptions?: readonly RemoteSubscription[];
  state: StateFile;
  clockSkewMs: number;
}): ImportMatch {
  const { declared, orderId, remote, state } = input;
  if (remote === null) {
    return {
      kind: "refused",
      refusal: {
        code: "import.order-not-found",
        message: `customer ${declared.customer} has no order ${orderId}`,
      },
    };
  }
  const content = contentOf(declared);
  const current = createCurrentOrder(remote, selectLineItemSubscriptions(remote, input.subscriptions ?? []));
  if (!matchesRemote(content, current)) {
    return { kind: "mismatch", differences: diffContent(createContentFromRemote(current, content), content) };
  }
  // A pending create of another name may have placed this very order: its re-sent request id
  // would then record it under that name too. Finish the pending creates first.
  const claimant = Object.values(state.pending).find(
    (intent) => intent.name !== declared.name && mayIntentHavePlaced(intent, remote, input.clockSkewMs),
  );
  if (claimant !== undefined) {
    return {
      kind: "refused",
      refusal: {
        code: "import.pending-may-own",
        message: `order ${orderId} may have been placed by the pending create of ${claimant.name} (MS-RequestId ${claimant.requestId}, started ${claimant.startedAt})`,
        hint: `Run \`orderform apply\` first: it finishes that create with its own request id and records the order it made; then import ${declared.name} again if the order is still untracked.`,
      },
    };
  }
  return { kind: "bind", content };
}

/** The remote order expressed as order content, so differences read in the declaration's terms. */
function createContentFromRemote(remote: RemoteOrder, declared: OrderContent): OrderContent {
  return {
    customer: remote.customer,
    billingCycle: remote.billingCycle as OrderContent["billingCycle"],
    ...(declared.partnerOnRecordAttestationAccepted === undefined
      ? {}
      : { partnerOnRecordAttestationAccepted: declared.partnerOnRecordAttestationAccepted }),
    lineItems: remote.lineItems.map((item) => ({
      lineItemNumber: item.lineItemNumber,
      offerId: item.offerId,
      quantity: item.quantity,
      ...(item.termDuration === undefined
        ? {}
        : { termDuration: item.termDuration as "P1M" | "P1Y" | "P3Y" }),
    })),
  };
}
