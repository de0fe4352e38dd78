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
 * A create without MS-RequestId is neither recorded nor guarded. Every write route that takes
 * MS-RequestId (create an order, PATCH a subscription) is built by createReplayableWriteHandler, so
 * they follow these rules alike.
 */
import { DEFAULT_REQUEST_ID_TTL_MS } from "./defaults.js";
import type { Exchange, RouteHandler, SandboxContext } from "./context.js";
import { createApiError, createBodyFingerprint } from "./order-request.js";
import { readCustomerRequest } from "./order-routes.js";
import type { CustomerRequest } from "./order-routes.js";
import { sendThrottled } from "./rate-windows.js";
import { findHeader, sendAnswer, sendApiError, sendDrop, waitMs } from "./respond.js";
import type { Answer } from "./respond.js";
import { createCustomerKey } from "./store.js";
import type { RequestRecord } from "./store.js";

/** What a write decided once its request id is claimed: the answer, and the change that goes with it. */
export interface WriteOutcome {
  readonly answer: Answer;
  /** The order the write placed, remembered in its request record. */
  readonly orderId?: string;
  /**
   * Stores the change together with `records` in one fsynced append; absent when the write changes
   * nothing (a refusal), and then only the request record is stored.
   */
  readonly store?: (records: RequestRecord[] | undefined) => void;
}

/** A write route with MS-RequestId replay: what it writes to, and the write itself. */
export interface ReplayableWrite {
  /**
   * What the request is about besides its body (the customer, and the resource under it): the same
   * body sent to another resource is another request.
   */
  selectTarget(request: CustomerRequest): string;
  /** Validates the parsed body and decides the write at `now`; stores nothing. */
  createOutcome(
    ctx: SandboxContext,
    request: CustomerRequest,
    body: unknown,
    requestId: string | undefined,
    now: number,
  ): WriteOutcome;
}

/**
 * A write route: the customer checks of order-routes.ts, a JSON body (else 400 800002), the
 * MS-RequestId rules above, the injected faults, then the write. The change and its request record
 * are durable in one append before the answer goes out, so a commit-then-drop fault loses the
 * answer, never the change.
 */
export function createReplayableWriteHandler(write: ReplayableWrite): RouteHandler {
  return async (ctx, exchange, match) => {
    const request = await readCustomerRequest(ctx, exchange, match);
    if (request === undefined) return;
    const template = match.template;
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body ?? "");
    } catch {
      return sendApiError(
        ctx,
        exchange,
        template,
        createApiError(400, "800002", "Invalid request input: the body is not valid JSON."),
      );
    }
    const claim = {
      partnerTenantId: request.partnerTenantId,
      requestId: findHeader(exchange.req, "ms-requestid"),
      fingerprint: createBodyFingerprint(write.selectTarget(request), parsed),
    };
    await handleOncePerRequestId(ctx, exchange, template, claim, async () => {
      const decision = ctx.faults.decide(exchange.method, exchange.path);
      if (decision.delayMs > 0) await waitMs(decision.delayMs);
      if (decision.throttleSeconds !== undefined)
        return sendThrottled(ctx, exchange, template, decision.throttleSeconds);
      if (decision.error !== undefined) return sendApiError(ctx, exchange, template, decision.error.error);
      const now = ctx.now();
      const outcome = write.createOutcome(ctx, request, parsed, claim.requestId, now);
      const record = createRequestRecord(ctx, claim, outcome.answer, now, outcome.orderId);
      // Durable before any answer: the change and its request record in one fsynced append.
      if (outcome.store !== undefined) outcome.store(record === undefined ? undefined : [record]);
      else if (record !== undefined) ctx.store.writeRequests([record]);
      if (decision.drop) return sendDrop(ctx, exchange, template);
      sendAnswer(ctx, exchange, template, outcome.answer);
    });
  };
}

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
async function handleOncePerRequestId(
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
function createRequestRecord(
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
