/**
 * The Partner Center client: its operations (createOrder, listOrders, getOrder, ...), each built
 * from the rooms beside it. ./transport.ts sends HTTP over one keep-alive undici pool,
 * ./attempts.ts runs one operation's attempts (rate limit, token, documented headers, retries),
 * ./paging.ts follows links.next. What the client does on the wire is documented in README.md
 * ("The Partner Center client"); the contract every command uses is ./types.ts.
 *
 * The promise kept for `apply`: createOrder sends the caller's MS-RequestId on every attempt, so
 * Partner Center answers a retry with the order it already made (docs/exactly-once.md);
 * updateSubscriptionQuantity does the same for a seat change (docs/subscriptions.md). Every other
 * operation takes a new MS-RequestId once, outside any retry loop.
 */
import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import type { OrderContent, RemoteOrder } from "../core/model.js";
import { OrderformError } from "../core/errors.js";
import { createOperationSender, parseAnswer, type Operation } from "./attempts.js";
import type { TokenProvider } from "./auth.js";
import { fetchCollection } from "./paging.js";
import { createRateLimiter, type RateLimiter } from "./rate-limiter.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
import { createDispatcher, DEFAULT_CONNECTIONS, DEFAULT_TIMEOUTS, type ClientTimeouts } from "./transport.js";
import { PartnerCenterError } from "./errors.js";
import type {
  ClientStats,
  CreateOrderOptions,
  Customer,
  PartnerCenterClient,
  ProvisioningStatusItem,
  RequestOptions,
  Subscription,
  UpdateSubscriptionOptions,
} from "./types.js";
import {
  createOrderBody,
  createSubscriptionQuantityBody,
  mapCustomer,
  mapProvisioningStatusItem,
  mapRemoteOrder,
  mapSubscription,
} from "./wire.js";

export interface ClientOptions {
  baseUrl: string;
  tokenProvider: TokenProvider;
  locale?: string;
  /** MS-PartnerCenter-Application; default "orderform" (open.ts passes "orderform/<version>"). */
  applicationName?: string;
  /** Shared by all concurrent work of this client; default 500 requests per minute per key. */
  rateLimiter?: RateLimiter;
  rateLimitKey?: "partner" | "partner+customer";
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<ClientTimeouts>;
  /** Connections per origin in the keep-alive pool. */
  connections?: number;
  /** One line per request and per response (ORDERFORM_LOG=debug); Authorization is redacted. */
  logger?: (line: string) => void;
  /** Uniform in [0, 1) for jitter. */
  random?: () => number;
  /** An undici dispatcher to use instead of creating one (it is then not closed by close()). */
  dispatcher?: Dispatcher;
}

const DEFAULT_REQUESTS_PER_MINUTE = 500;
/** Customers per page of GET /customers?size=N. */
const DEFAULT_CUSTOMER_PAGE_SIZE = 100;

export function createPartnerCenterClient(options: ClientOptions): PartnerCenterClient {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const tokens = options.tokenProvider;
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    createDispatcher({
      timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      connections: options.connections ?? DEFAULT_CONNECTIONS,
    });
  const stats: ClientStats = { requests: 0, retries: 0, throttled: 0 };
  const sendAttempts = createOperationSender({
    dispatcher,
    origin: base.origin,
    tokens,
    limiter: options.rateLimiter ?? createRateLimiter({ requestsPerMinute: DEFAULT_REQUESTS_PER_MINUTE }),
    rateLimitKey: options.rateLimitKey ?? "partner+customer",
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    random: options.random ?? Math.random,
    locale: options.locale ?? "en-US",
    application: options.applicationName ?? "orderform",
    stats,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  let closed = false;

  const sendOperation = (op: Operation) => {
    if (closed)
      return Promise.reject(
        new OrderformError("partner-center.closed", "the Partner Center client is closed"),
      );
    return sendAttempts(op);
  };
  const createApiPath = (relative: string): string => `${basePath}/v1${relative}`;

  return {
    stats,

    async signIn(opts: RequestOptions = {}): Promise<void> {
      if (closed) throw new OrderformError("partner-center.closed", "the Partner Center client is closed");
      await tokens.getToken(opts.signal);
    },

    async createOrder(
      customerId: string,
      content: OrderContent,
      opts: CreateOrderOptions,
    ): Promise<RemoteOrder> {
      if (opts.requestId === "")
        throw new OrderformError("partner-center.request-id", "createOrder needs a request id");
      const op: Operation = {
        name: "createOrder",
        kind: "create",
        method: "POST",
        path: createApiPath(`${createCustomerPath(customerId)}/orders`),
        customer: customerId,
        body: createOrderBody(content),
        requestId: opts.requestId,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        ...(opts.onRetry === undefined ? {} : { onRetry: opts.onRetry }),
      };
      const answer = await sendOperation(op);
      return mapRemoteOrder(parseAnswer("order", answer?.json, op), customerId);
    },

    async listOrders(
      customerId: string,
      opts: RequestOptions & { billingType?: string } = {},
    ): Promise<RemoteOrder[]> {
      const query =
        opts.billingType === undefined ? "" : `?billingType=${encodeURIComponent(opts.billingType)}`;
      const orders = await fetchCollection(sendOperation, options.baseUrl, "order", {
        name: "listOrders",
        kind: "read",
        method: "GET",
        path: createApiPath(`${createCustomerPath(customerId)}/orders${query}`),
        customer: customerId,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      return orders.map((order) => mapRemoteOrder(order, customerId));
    },

    async getOrder(
      customerId: string,
      orderId: string,
      opts: RequestOptions = {},
    ): Promise<RemoteOrder | null> {
      const op: Operation = {
        name: "getOrder",
        kind: "read",
        method: "GET",
        path: createApiPath(createOrderPath(customerId, orderId)),
        customer: customerId,
        orderId,
        requestId: randomUUID(),
        notFoundIsNull: true,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      };
      const answer = await sendOperation(op);
      return answer === null ? null : mapRemoteOrder(parseAnswer("order", answer.json, op), customerId);
    },

    async cancelOrder(customerId: string, orderId: string, opts: RequestOptions = {}): Promise<RemoteOrder> {
      // The integration sandbox's documented cancel: PATCH the order with status cancelled.
      const op: Operation = {
        name: "cancelOrder",
        kind: "update",
        method: "PATCH",
        path: createApiPath(createOrderPath(customerId, orderId)),
        customer: customerId,
        orderId,
        body: { id: orderId, status: "cancelled" },
        requestId: randomUUID(),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      };
      const answer = await sendOperation(op);
      return mapRemoteOrder(parseAnswer("order", answer?.json, op), customerId);
    },

    async getProvisioningStatus(
      customerId: string,
      orderId: string,
      opts: RequestOptions = {},
    ): Promise<ProvisioningStatusItem[]> {
      const items = await fetchCollection(sendOperation, options.baseUrl, "provisioningStatusItem", {
        name: "getProvisioningStatus",
        kind: "read",
        method: "GET",
        path: createApiPath(`${createOrderPath(customerId, orderId)}/provisioningstatus`),
        customer: customerId,
        orderId,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      return items.map(mapProvisioningStatusItem);
    },

    async listSubscriptionsByOrder(
      customerId: string,
      orderId: string,
      opts: RequestOptions = {},
    ): Promise<Subscription[]> {
      const items = await fetchCollection(sendOperation, options.baseUrl, "subscription", {
        name: "listSubscriptionsByOrder",
        kind: "read",
        method: "GET",
        path: createApiPath(
          `${createCustomerPath(customerId)}/subscriptions?order_id=${encodeURIComponent(orderId)}`,
        ),
        customer: customerId,
        orderId,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      return items.map(mapSubscription);
    },

    async listSubscriptions(customerId: string, opts: RequestOptions = {}): Promise<Subscription[]> {
      const items = await fetchCollection(sendOperation, options.baseUrl, "subscription", {
        name: "listSubscriptions",
        kind: "read",
        method: "GET",
        path: createApiPath(`${createCustomerPath(customerId)}/subscriptions`),
        customer: customerId,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      return items.map(mapSubscription);
    },

    async getSubscription(
      customerId: string,
      subscriptionId: string,
      opts: RequestOptions = {},
    ): Promise<Subscription | null> {
      const op: Operation = {
        name: "getSubscription",
        kind: "read",
        method: "GET",
        path: createApiPath(createSubscriptionPath(customerId, subscriptionId)),
        customer: customerId,
        requestId: randomUUID(),
        notFoundIsNull: true,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      };
      const answer = await sendOperation(op);
      return answer === null ? null : mapSubscription(parseAnswer("subscription", answer.json, op));
    },

    async updateSubscriptionQuantity(
      customerId: string,
      subscription: Subscription,
      quantity: number,
      opts: UpdateSubscriptionOptions,
    ): Promise<Subscription> {
      if (opts.requestId === "")
        throw new OrderformError(
          "partner-center.request-id",
          "updateSubscriptionQuantity needs a request id",
        );
      // The documented change: PATCH the whole Subscription resource with the new quantity, under
      // the caller's MS-RequestId on every attempt, as createOrder does (docs/subscriptions.md).
      const op: Operation = {
        name: "updateSubscriptionQuantity",
        kind: "update",
        method: "PATCH",
        path: createApiPath(createSubscriptionPath(customerId, subscription.id)),
        customer: customerId,
        body: createSubscriptionQuantityBody(subscription, quantity),
        requestId: opts.requestId,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        ...(opts.onRetry === undefined ? {} : { onRetry: opts.onRetry }),
      };
      const answer = await sendOperation(op);
      return mapSubscription(parseAnswer("subscription", answer?.json, op));
    },

    async listCustomers(opts: RequestOptions & { pageSize?: number } = {}): Promise<Customer[]> {
      // The documented list takes the page size (`size`) and pages with links.next, whose
      // MS-ContinuationToken paging.ts sends back (docs/generate.md).
      const size = opts.pageSize ?? DEFAULT_CUSTOMER_PAGE_SIZE;
      const items = await fetchCollection(sendOperation, options.baseUrl, "customer", {
        name: "listCustomers",
        kind: "read",
        method: "GET",
        path: createApiPath(`/customers?size=${size}`),
        customer: "",
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      return items.map(mapCustomer);
    },

    async getCustomer(customerId: string, opts: RequestOptions = {}): Promise<Customer | null> {
      const op: Operation = {
        name: "getCustomer",
        kind: "read",
        method: "GET",
        path: createApiPath(createCustomerPath(customerId)),
        customer: customerId,
        requestId: randomUUID(),
        notFoundIsNull: true,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      };
      try {
        const answer = await sendOperation(op);
        return answer === null ? null : mapCustomer(parseAnswer("customer", answer.json, op));
      } catch (error) {
        if (isUnknownCustomerError(error)) return null;
        throw error;
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      options.tokenProvider.close?.();
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

/** The customer is not this partner's: 400 900118 (Invalid Customer Id) or 403 20002. */
function isUnknownCustomerError(error: unknown): boolean {
  if (!(error instanceof PartnerCenterError)) return false;
  const code = String(error.serviceCode);
  return (error.httpStatus === 400 && code === "900118") || (error.httpStatus === 403 && code === "20002");
}

function createCustomerPath(customerId: string): string {
  return `/customers/${encodeURIComponent(customerId)}`;
}

function createSubscriptionPath(customerId: string, subscriptionId: string): string {
  return `${createCustomerPath(customerId)}/subscriptions/${encodeURIComponent(subscriptionId)}`;
}

function createOrderPath(customerId: string, orderId: string): string {
  return `${createCustomerPath(customerId)}/orders/${encodeURIComponent(orderId)}`;
}
