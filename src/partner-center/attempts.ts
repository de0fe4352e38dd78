/**
 * Attempts: one logical Partner Center operation, sent until it has an answer. Each attempt waits
 * for the shared rate limiter, takes a token, sends with the documented headers (./transport.ts),
 * and decideRetry (./retry.ts) says whether to wait and send again.
 *
 * Contract:
 * - every attempt of one operation carries the same MS-RequestId (the operation's); each gets a new
 *   MS-CorrelationId. Partner Center asks callers to send the same MS-RequestId again after a
 *   timeout and a new one for the next call, so a repeated create is answered with the order it
 *   already made (docs/exactly-once.md, "Request ids");
 * - a 401 renews the token once and sends again at once; 2xx answers are parsed as JSON; 404 is
 *   null when the operation asks for it; any other final answer is a PartnerCenterError, and no
 *   answer at all is partner-center.transport or partner-center.timeout;
 * - the caller's AbortSignal stops every wait and the request in flight, with its reason.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Dispatcher } from "undici";
import { OrderformError } from "../core/errors.js";
import { scrubSecrets, type TokenProvider } from "./auth.js";
import { parseErrorBody, parseRetryAfter, PartnerCenterError } from "./errors.js";
import type { RateLimiter } from "./rate-limiter.js";
import { decideRetry, isRetryableStatus, type OperationKind, type RetryPolicy } from "./retry.js";
import { isTimeoutCode, parseTransportCode, sendHttp, type HttpAnswer } from "./transport.js";
import type { ClientStats, RetryInfo } from "./types.js";
import { describeWireProblem, validateWire, type ShapeTypes, type WireShape } from "./validate.js";
import { throwIfAborted, waitFor } from "./wait.js";

export interface Operation {
  name: string;
  kind: OperationKind;
  method: "GET" | "POST" | "PATCH";
  /** Path and query from the origin, e.g. "/v1/customers/ID/orders". */
  path: string;
  /** The customer the call is about; "" for the partner's own collections (the customer list). */
  customer: string;
  orderId?: string;
  body?: unknown;
  /** One per logical operation: reused on every attempt. */
  requestId: string;
  extraHeaders?: Record<string, string>;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Answer null instead of throwing on 404. */
  notFoundIsNull?: boolean;
}

export interface Answer {
  status: number;
  json: unknown;
}

export interface AttemptSettings {
  dispatcher: Dispatcher;
  origin: string;
  tokens: TokenProvider;
  limiter: RateLimiter;
  rateLimitKey: "partner" | "partner+customer";
  policy: RetryPolicy;
  random: () => number;
  locale: string;
  application: string;
  /** Counted here: one request per attempt sent, retries, 429 answers. */
  stats: ClientStats;
  logger?: (line: string) => void;
}

/** Sends one operation with its attempts and retries; null only for a 404 the operation allows. */
export type OperationSender = (op: Operation) => Promise<Answer | null>;

export function createOperationSender(settings: AttemptSettings): OperationSender {
  const { dispatcher, origin, tokens, limiter, policy, random, stats } = settings;
  const log = settings.logger;
  const safeLog =
    log === undefined ? undefined : (line: string) => log(scrubSecrets(line, tokens.secretValues()));

  async function sendAttempt(
    op: Operation,
    attempt: number,
    token: string,
  ): Promise<HttpAnswer & { correlationId: string }> {
    const correlationId = randomUUID();
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      "ms-requestid": op.requestId,
      "ms-correlationid": correlationId,
      "ms-contract-version": "v1",
      "x-locale": settings.locale,
      "ms-partnercenter-application": settings.application,
      ...op.extraHeaders,
    };
    let body: string | undefined;
    if (op.body !== undefined) {
      body = JSON.stringify(op.body);
      headers["content-type"] = "application/json";
    }
    safeLog?.(
      `-> ${op.method} ${op.path} attempt=${attempt} ms-requestid=${op.requestId} ms-correlationid=${correlationId} authorization=Bearer [redacted]`,
    );
    const started = performance.now();
    stats.requests += 1;
    const answer = await sendHttp(dispatcher, {
      origin,
      path: op.path,
      method: op.method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(op.signal === undefined ? {} : { signal: op.signal }),
    });
    safeLog?.(
      `<- ${answer.status} ${op.method} ${op.path} ${Math.round(performance.now() - started)}ms ms-requestid=${op.requestId} ms-correlationid=${correlationId}`,
    );
    return { ...answer, correlationId };
  }

  async function waitBeforeRetry(op: Operation, attempt: number, delayMs: number, reason: string) {
    stats.retries += 1;
    safeLog?.(
      `.. retry ${op.name} after ${reason} in ${delayMs}ms (attempt ${attempt + 1}) ms-requestid=${op.requestId}`,
    );
    op.onRetry?.({ operation: op.name, attempt, delayMs, reason });
    await waitFor(delayMs, op.signal);
  }

  async function sendAttempts(op: Operation): Promise<Answer | null> {
    const started = performance.now();
    const rateKey = settings.rateLimitKey === "partner" ? "partner" : `partner:${op.customer.toLowerCase()}`;
    let failures = 0;
    let throttles = 0;
    let authRetried = false;
    let unknownOutcome = false; // an earlier attempt may have been processed by the service
    for (let attempt = 1; ; attempt += 1) {
      throwIfAborted(op.signal);
      await limiter.acquire(rateKey, op.signal);
      const token = await tokens.getToken(op.signal);
      let answer: Awaited<ReturnType<typeof sendAttempt>>;
      try {
        answer = await sendAttempt(op, attempt, token);
      } catch (error) {
        throwIfAborted(op.signal);
        const code = parseTransportCode(error);
        safeLog?.(`<- ${op.method} ${op.path} failed: ${code} ms-requestid=${op.requestId}`);
        failures += 1;
        unknownOutcome = true;
        const decision = decideRetry({
          outcome: { kind: "transport", code },
          operationKind: op.kind,
          failures,
          throttles,
          elapsedMs: performance.now() - started,
          policy,
          random,
        });
        if (!decision.retry) {
          throw new OrderformError(
            isTimeoutCode(code) ? "partner-center.timeout" : "partner-center.transport",
            `${describeOperation(op)} failed: ${decision.reason} [request id ${op.requestId}]`,
            { cause: error, hint: "the same request id is kept, so running again is safe" },
          );
        }
        await waitBeforeRetry(op, attempt, decision.delayMs, decision.reason);
        continue;
      }

      const { status, text, correlationId } = answer;
      if (status >= 200 && status < 300) {
        return { status, json: parseAnswerJson(text, op, correlationId) };
      }
      if (status === 404 && op.notFoundIsNull === true) return null;
      if (status === 401 && !authRetried && tokens.invalidate(token)) {
        // The token expired or was revoked early: fetch a new one once and send again at once.
        authRetried = true;
        safeLog?.(`<- 401 ${op.method} ${op.path}: renewing the access token once`);
        continue;
      }
      const parsed = parseErrorBody(status, text);
      const retryAfterMs =
        parseRetryAfter(findHeader(answer.headers, "retry-after"), Date.now()) ?? parsed.retryAfterMs;
      if (status === 429) {
        stats.throttled += 1;
        throttles += 1;
      } else if (isRetryableStatus(status, parsed.serviceCode, op.kind)) {
        failures += 1;
      }
      const decision = decideRetry({
        outcome: {
          kind: "response",
          status,
          ...(parsed.serviceCode === undefined ? {} : { serviceCode: parsed.serviceCode }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
        operationKind: op.kind,
        failures,
        throttles,
        elapsedMs: performance.now() - started,
        policy,
        random,
      });
      if (decision.retry) {
        if (status >= 500 || status === 408 || status === 409) unknownOutcome = true;
        await waitBeforeRetry(op, attempt, decision.delayMs, decision.reason);
        continue;
      }
      throw new PartnerCenterError({
        afterUnknownOutcome: unknownOutcome,
        httpStatus: status,
        ...(parsed.serviceCode === undefined ? {} : { serviceCode: parsed.serviceCode }),
        description: parsed.description,
        ...(parsed.data === undefined ? {} : { data: parsed.data }),
        ...(parsed.source === undefined ? {} : { source: parsed.source }),
        requestId: op.requestId,
        correlationId,
        retryable: decision.retryable,
        operation: op.name,
        customer: op.customer,
        ...(op.orderId === undefined ? {} : { orderId: op.orderId }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
  }

  /**
   * Per caller's signal, one that follows it (AbortSignal.any) for this client's waits and
   * requests. One caller's signal is shared by a whole plan, and every wait (rate limit, back-off,
   * token) and request in flight listens for "abort" while it runs: on the follower, which is this
   * client's own, that many listeners are expected, so Node's leak warning is lifted there and the
   * caller's signal is left as it was. One follower per caller's signal, not per operation: a
   * derived AbortSignal costs 10-20 µs to make, a tenth of a second over a 10,000-customer plan.
   */
  const followers = new WeakMap<AbortSignal, AbortSignal>();
  function createFollower(signal: AbortSignal): AbortSignal {
    let follower = followers.get(signal);
    if (follower === undefined) {
      follower = AbortSignal.any([signal]);
      setMaxListeners(0, follower);
      followers.set(signal, follower);
    }
    return follower;
  }

  return (op) => sendAttempts(op.signal === undefined ? op : { ...op, signal: createFollower(op.signal) });
}

/** `value` as the wire shape `shape`, or partner-center.invalid-response naming what is wrong. */
export function parseAnswer<S extends WireShape>(
  shape: S,
  value: unknown,
  op: Operation,
  where = "",
): ShapeTypes[S] {
  if (validateWire(shape, value)) return value;
  throw createInvalidResponseError(
    op,
    undefined,
    `${where}${describeWireProblem(shape, value) ?? "invalid"}`,
  );
}

export function createInvalidResponseError(
  op: Operation,
  correlationId: string | undefined,
  problem: string,
): OrderformError {
  return new OrderformError(
    "partner-center.invalid-response",
    `${describeOperation(op)}: unexpected response: ${problem} [request id ${op.requestId}${correlationId === undefined ? "" : `, correlation id ${correlationId}`}]`,
  );
}

function parseAnswerJson(text: string, op: Operation, correlationId: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw createInvalidResponseError(op, correlationId, "the body is not JSON");
  }
}

function describeOperation(op: Operation): string {
  const target = [
    op.customer === "" ? undefined : `customer ${op.customer}`,
    op.orderId === undefined ? undefined : `order ${op.orderId}`,
  ]
    .filter((part) => part !== undefined)
    .join(", ");
  return target === "" ? op.name : `${op.name} for ${target}`;
}

function findHeader(headers: HttpAnswer["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
