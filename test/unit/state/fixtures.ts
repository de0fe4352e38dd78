import type { FailureRecord, PendingIntent, StateOrder } from "../../../src/core/model.js";

const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
export const LINEAGE = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890";

export function createOrder(name: string, overrides: Partial<StateOrder> = {}): StateOrder {
  return {
    name,
    customer: CUSTOMER,
    orderId: `order-${name}`,
    requestId: `req-${name}`,
    creationDate: "2026-01-02T03:04:05Z",
    recordedAt: "2026-01-02T03:04:06Z",
    status: "pending",
    applied: {
      customer: CUSTOMER,
      billingCycle: "monthly",
      lineItems: [
        { lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 25, termDuration: "P1M" },
      ],
    },
    origin: "created",
    ...overrides,
  };
}

export function createIntent(name: string, requestId = `req-${name}`): PendingIntent {
  return {
    name,
    customer: CUSTOMER,
    requestId,
    startedAt: "2026-01-02T03:04:00Z",
    content: {
      customer: CUSTOMER,
      billingCycle: "monthly",
      lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 1 }],
    },
  };
}

export function createFailure(name: string): FailureRecord {
  return {
    name,
    customer: CUSTOMER,
    requestId: `req-${name}`,
    at: "2026-01-02T03:04:07Z",
    httpStatus: 400,
    code: "800002",
    description: "Invalid offer",
  };
}
