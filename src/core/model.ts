/**
 * The domain model shared by every layer. Pure types only: the core imports nothing from node:*,
 * so these shapes are plain JSON-compatible data (dates are ISO-8601 strings).
 *
 * The persisted shapes are written in schemas/ (docs/schemas.md). Where a model type is the
 * schema's, it is the generated type (src/generated/*-types.ts); where it differs on purpose (the
 * declared term durations, a declaration's source location), ./schema.type-check.ts fails the
 * typecheck when the two drift apart.
 */
import type { WireLineItem } from "../generated/state-types.js";

export type BillingCycle = "monthly" | "annual" | "triennial" | "one_time" | "none";
export type TermDuration = "P1M" | "P1Y" | "P3Y";
export type RenewalTermDuration = "P1M" | "P1Y";

/** Where a declaration came from, for diagnostics and plan output. */
export interface SourceLocation {
  file: string; // relative to the project root, forward slashes
  line: number; // 1-based
  column: number; // 1-based
}

export interface DesiredLineItem {
  lineItemNumber: number; // always equal to the position after normalization
  offerId: string;
  quantity: number;
  termDuration?: TermDuration;
  friendlyName?: string;
  partnerIdOnRecord?: string;
  additionalPartnerIdsOnRecord?: string[];
  attestationAccepted?: boolean;
  renewsTo?: { termDuration: RenewalTermDuration };
  provisioningContext?: Record<string, string>;
  promotionId?: string;
}

/** One declared order after loading and normalization (src/manifests produces these). */
export interface DesiredOrder {
  name: string;
  customer: string; // lower-case GUID
  billingCycle: BillingCycle;
  partnerOnRecordAttestationAccepted?: boolean;
  lineItems: DesiredLineItem[];
  source?: SourceLocation;
}

/** The purchase content of an order: what is sent to Partner Center and what state records. */
export type OrderContent = Omit<DesiredOrder, "name" | "source">;

export type RemoteOrderStatus = "pending" | "completed" | "cancelled" | "unknown";

/** A line item as Partner Center reports it: the wire shape (schemas/partner-center/order.json). */
export type RemoteLineItem = WireLineItem;

/** An order as Partner Center reports it, mapped from the wire shape by src/partner-center. */
export interface RemoteOrder {
  id: string;
  alternateId?: string;
  customer: string; // lower-case GUID
  billingCycle: string;
  status: RemoteOrderStatus;
  creationDate: string;
  lineItems: RemoteLineItem[];
}

export type StateOrderStatus = RemoteOrderStatus;

/** A placed order recorded in state. */
export interface StateOrder {
  name: string;
  customer: string;
  orderId: string;
  requestId: string;
  creationDate: string; // Partner Center's creationDate of the order
  recordedAt: string; // when orderform recorded it
  status: StateOrderStatus; // last status seen
  /** Exactly the content that was sent (or adopted/imported); compared to declarations for conflicts. */
  applied: OrderContent;
  /** Line items as Partner Center answered them (subscription ids once provisioned). */
  remoteLineItems?: RemoteLineItem[];
  /** How the record came to be. */
  origin: "created" | "adopted" | "imported";
  /**
   * Earlier orders of this name that `--replace` superseded. They were not cancelled, so their
   * records are kept (oldest first) rather than dropped from state.
   */
  replaced?: StateOrder[];
  /**
   * Seat changes made in place since the order was placed, oldest first (docs/state.md). `applied`
   * stays the content as placed, which is what Partner Center's order keeps; the record's current
   * content is `applied` with each changed line item's last `to` (selectCurrentContent).
   */
  seatChanges?: SeatChange[];
}

/**
 * A line item's seats changed since the order was placed: a change orderform sent, or one it
 * observed when it imported the order (docs/state.md, "Seat changes").
 */
export type SeatChange = SentSeatChange | ObservedSeatChange;

/** One quantity change of a line item's subscription, recorded after Partner Center's answer. */
export interface SentSeatChange {
  lineItemNumber: number;
  subscriptionId: string;
  from: number;
  to: number;
  /** The MS-RequestId the change was sent with (src/core/request-id.ts, domain "update"). */
  requestId: string;
  observed?: never;
  /** When orderform recorded the change. */
  at: string;
  /** Who ran the apply (user@host), the git commit of the project and the CI run, when known. */
  by?: string;
  commit?: string;
  ci?: string;
}

/**
 * Seats changed outside orderform before `import` or `generate` recorded the order: `from` is the
 * order's quantity as placed, `to` the subscription's seats when it was read. Nothing was sent,
 * so there is no request id.
 */
export interface ObservedSeatChange {
  lineItemNumber: number;
  subscriptionId: string;
  from: number;
  to: number;
  observed: true;
  requestId?: never;
  /** When orderform read the subscription. */
  at: string;
}

/**
 * A seat change that was started and not yet confirmed, written before any byte of the PATCH is
 * sent; the next apply reads the subscription and finishes it with the same request id.
 */
export interface PendingUpdate {
  name: string;
  customer: string;
  orderId: string;
  lineItemNumber: number;
  subscriptionId: string;
  from: number;
  to: number;
  requestId: string;
  startedAt: string;
}

/**
 * A create that was started and not yet confirmed. Written before any byte is sent, so that a
 * killed run can re-send the same MS-RequestId (the service then answers with the order it made).
 */
export interface PendingIntent {
  name: string;
  customer: string;
  requestId: string;
  startedAt: string;
  content: OrderContent;
  /**
   * The request-id generation this create used (docs/exactly-once.md). Absent in intents written
   * before request ids were derived; such an intent's id was random.
   */
  generation?: number;
}

/** The last business error for a declared order (nothing was bought): schemas/state.schema.json. */
export type { FailureRecord } from "../generated/state-types.js";
import type { FailureRecord } from "../generated/state-types.js";

export const STATE_FORMAT_VERSION = 1;

export interface StateFile {
  version: typeof STATE_FORMAT_VERSION;
  lineage: string;
  serial: number;
  orders: Record<string, StateOrder>;
  pending: Record<string, PendingIntent>;
  failures: Record<string, FailureRecord>;
  /**
   * Name -> the generation the next create of that name derives its MS-RequestId from
   * (docs/exactly-once.md). It moves on after every definitive answer and is kept when a record is
   * removed (`state rm`), so a later deliberate purchase never reuses an earlier request id.
   * Absent means 0 for every name.
   */
  generations?: Record<string, number>;
  /** Started seat changes, keyed `NAME#LINE_ITEM_NUMBER` (selectPendingUpdateKey). Absent means none. */
  pendingUpdates?: Record<string, PendingUpdate>;
  /**
   * Tenant id (lower case) -> the customer's company name as orderform last read it, shown beside
   * the id (docs/state.md, "Customer names"). Absent in state written before names were kept.
   */
  customers?: Record<string, CustomerRecord>;
}

/** What state keeps of a customer: its company name (untrusted text) and when it was read. */
export type { CustomerRecord } from "../generated/state-types.js";
import type { CustomerRecord } from "../generated/state-types.js";

/** A subscription as the planner needs it (mapped from the client's Subscription by src/operations). */
export interface RemoteSubscription {
  id: string;
  quantity: number;
  status: string;
  orderId?: string;
  offerId?: string;
  /** New commerce: the last moment seats can be reduced (docs/subscriptions.md). */
  cancellationAllowedUntilDate?: string;
}

/** What the planner knows of Partner Center: the customers' lists and any order fetched by id. */
export interface RemoteSnapshot {
  /** Customer id -> the orders in that customer's list. A customer not fetched is absent. */
  lists: Record<string, RemoteOrder[]>;
  /** Order id -> the order fetched by id, or null when Partner Center answered 404. */
  byId: Record<string, RemoteOrder | null>;
  /**
   * Customer id -> that customer's subscriptions, read for customers with placed records. A
   * customer not read is absent (then no subscription drift is checked and no id is looked up).
   */
  subscriptions?: Record<string, RemoteSubscription[]>;
  /**
   * Customer id -> its company name, read for the customers with creates that state has no name
   * for (docs/planning.md, "Customer names"). A customer not read is absent.
   */
  companyNames?: Record<string, string>;
}
