/**
 * MS-RequestId records: what makes a create exactly-once for the client (docs/exactly-once.md).
 *
 * Contract, per partner and request id, for as long as the record lives (`requestIdTtlMs`):
 * - a create whose request id is being handled right now is refused 409 800060 ("in progress");
 * - a create with a recorded request id and the same body (createBodyFingerprint: the customer
 *   and the parsed body) gets the recorded answer again, byte for byte, with MS-Replayed: true;
 * - a recorded request id with a different body is refused 400 800002 (a new order needs a new id);
 * - otherwise the create runs, and its answer (success or failure) is recorded in the same fsynced
 *   append as the order (create-order.ts), before it is sent.
 * A create without MS-RequestId is neither recorded nor guarded.
 */
import { DEFAULT_REQUEST_ID_TTL_MS } from "./defaults.js";
import type { Exchange, SandboxContext } from "./context.js";
import { createApiError } from "./order-request.js";
import { sendAnswer, sendApiError } from "./respond.js";
import type { Answer } from "./respond.js";
import { createCustomerKey } from "./store.js";
import type { RequestRecord } from "./store.js";

/** Whose create it is, under which request id, and the fingerprint of its body. */
export interface RequestIdClaim {
  partnerTenantId: string;
  requestId: string | undefined;
  fingerprint: string;
}

/**
 * Answers a create from its request record (replay, in-flight, reuse) or else runs `create` with
 * the request id marked in flight until it settles.
 */
export async function handleOncePerRequestId(
  ctx: SandboxContext,
  exchange: Exchange,
  template: string,
  claim: RequestIdClaim,
  create: () => Promise<void>,
): Promise<void> {
  const { partnerTenantId, requestId, fingerprint } = claim;
  const recordKey = requestId === undefined ? undefined : createCustomerKey(partnerTenantId, requestId);
  if (recordKey !== undefined) {
    if (ctx.inFlight.has(recordKey)) {
      return sendApiError(
        ctx,
        exchange,
        template,
        createApiError(
          409,
          "800060",
          "Your order is in progress. Please check your order history for recent orders in few minutes",
        ),
      );
    }
    const record = ctx.store.requests.get(recordKey);
    if (record !== undefined && record.expiresAtMs > ctx.now()) {
      if (record.fingerprint !== fingerprint) {
        return sendApiError(
          ctx,
          exchange,
          template,
          createApiError(
            400,
            "800002",
            `Invalid request input: MS-RequestId ${requestId ?? ""} was already used for a different request; a new order needs a new request id.`,
          ),
        );
      }
      return sendAnswer(ctx, exchange, template, {
        status: record.status,
        body: record.body,
        headers: { "MS-Replayed": "true" },
      });
    }
    ctx.inFlight.add(recordKey);
  }
  try {
    await create();
  } finally {
    if (recordKey !== undefined) ctx.inFlight.delete(recordKey);
  }
}

/** The record of a create's answer; undefined for a create without MS-RequestId. */
export function createRequestRecord(
  ctx: SandboxContext,
  claim: RequestIdClaim,
  answer: Answer,
  now: number,
  orderId: string | undefined,
): RequestRecord | undefined {
  if (claim.requestId === undefined) return undefined;
  return {
    partnerTenantId: claim.partnerTenantId,
    requestId: claim.requestId,
    fingerprint: claim.fingerprint,
    status: answer.status,
    body: answer.body,
    expiresAtMs: createRequestIdExpiry(ctx, now),
    ...(orderId === undefined ? {} : { orderId }),
  };
}

/** When a request id recorded now stops being remembered. */
export function createRequestIdExpiry(ctx: SandboxContext, now: number): number {
  return now + (ctx.options.requestIdTtlMs ?? DEFAULT_REQUEST_ID_TTL_MS);
}
