/** Small builders for planner inputs; each returns fresh objects so tests cannot share state by accident. */
import { contentOf } from "../../../src/core/compare.js";
import type {
  DesiredOrder,
  OrderContent,
  PendingIntent,
  RemoteOrder,
  RemoteSnapshot,
  StateFile,
  StateOrder,
} from "../../../src/core/model.js";
import type { PlanInput } from "../../../src/core/planner.js";

export const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
export const FABRIKAM = "4a8f2d1c-7e3b-4c5a-9d6e-0f1a2b3c4d5e";
export const NOW = "2025-03-01T12:00:00Z";
const WINDOW_MS = 15 * 60_000;
export const OFFER = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";

export function buildDesired(name: string, overrides: Partial<DesiredOrder> = {}): DesiredOrder {
  return {
    name,
    customer: CONTOSO,
    billingCycle: "monthly",
    partnerOnRecordAttestationAccepted: true,
    lineItems: [
      { lineItemNumber: 0, offerId: OFFER, quantity: 25, termDuration: "P1M", friendlyName: "Seats" },
    ],
    source: { file: "orders/contoso.yaml", line: 1, column: 1 },
    ...overrides,
  };
}

export function buildStateOrder(desired: DesiredOrder, overrides: Partial<StateOrder> = {}): StateOrder {
  return {
    name: desired.name,
    customer: desired.customer,
    orderId: `order-${desired.name.replace(/\W/g, "-")}`,
    requestId: `req-${desired.name.replace(/\W/g, "-")}`,
    creationDate: "2025-02-01T10:00:00Z",
    recordedAt: "2025-02-01T10:00:01Z",
    status: "completed",
    applied: contentOf(desired),
    origin: "created",
    ...overrides,
  };
}

export function buildIntent(desired: DesiredOrder, overrides: Partial<PendingIntent> = {}): PendingIntent {
  return {
    name: desired.name,
    customer: desired.customer,
    requestId: `req-${desired.name.replace(/\W/g, "-")}`,
    startedAt: "2025-03-01T11:50:00Z",
    content: contentOf(desired),
    ...overrides,
  };
}

/** The order Partner Center would list for this content. */
export function buildRemote(
  id: string,
  content: OrderContent,
  overrides: Partial<RemoteOrder> = {},
): RemoteOrder {
  return {
    id,
    customer: content.customer,
    billingCycle: content.billingCycle,
    status: "completed",
    creationDate: "2025-02-01T10:00:00Z",
    lineItems: content.lineItems.map((li) => ({
      lineItemNumber: li.lineItemNumber,
      offerId: li.offerId,
      quantity: li.quantity,
      ...(li.termDuration === undefined ? {} : { termDuration: li.termDuration }),
    })),
    ...overrides,
  };
}

export function buildRemoteFor(order: StateOrder, overrides: Partial<RemoteOrder> = {}): RemoteOrder {
  return buildRemote(order.orderId, order.applied, { creationDate: order.creationDate, ...overrides });
}

export function buildState(
  parts: Partial<Pick<StateFile, "orders" | "pending" | "failures">> = {},
): StateFile {
  return {
    version: 1,
    lineage: "3f1c2b8e-5d4a-4e6f-8a9b-0c1d2e3f4a5b",
    serial: 7,
    orders: {},
    pending: {},
    failures: {},
    ...parts,
  };
}

export function byName<T extends { name: string }>(...items: T[]): Record<string, T> {
  return Object.fromEntries(items.map((i) => [i.name, i]));
}

export function buildInput(parts: {
  desired?: DesiredOrder[];
  state?: StateFile | null;
  remote?: Partial<RemoteSnapshot>;
  now?: string;
  options?: Partial<PlanInput["options"]>;
}): PlanInput {
  return {
    desired: parts.desired ?? [],
    state: parts.state === undefined ? null : parts.state,
    remote: { lists: {}, byId: {}, ...parts.remote },
    now: parts.now ?? NOW,
    toolVersion: "0.1.0",
    options: { customers: [], replace: [], visibilityWindowMs: WINDOW_MS, ...parts.options },
  };
}
