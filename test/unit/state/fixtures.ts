import { hostname } from "node:os";
import { OrderformError } from "../../../src/core/errors.js";
import type { FailureRecord, PendingIntent, StateOrder } from "../../../src/core/model.js";
import { createLocalStateStore } from "../../../src/state/local-store.js";
import type { LocalStateStoreOptions } from "../../../src/state/local-store.js";

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

/** A local store in `dir` (state file orderform.state.json), run by alice on this host, no git. */
export function createTestStore(dir: string, overrides: Partial<LocalStateStoreOptions> = {}) {
  return createLocalStateStore({
    rootDir: dir,
    path: "orderform.state.json",
    readGitCommit: () => Promise.resolve(undefined),
    user: "alice",
    host: hostname(),
    ...overrides,
  });
}

/** The OrderformError a promise rejects with; anything else (or no rejection) fails the test. */
export async function catchError(promise: Promise<unknown>): Promise<OrderformError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OrderformError) return error;
    throw error;
  }
  throw new Error("expected the promise to reject");
}
