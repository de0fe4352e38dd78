/**
 * The client contract every command uses; what the client does on the wire is documented in
 * README.md ("The Partner Center client"). Implementation: ./client.ts. Results are mapped to the
 * core's RemoteOrder so the planner never sees wire shapes.
 */
import type { OrderContent, RemoteOrder } from "../core/model.js";

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface RetryInfo {
  operation: string;
  attempt: number; // the attempt that failed, 1-based
  delayMs: number; // the wait before the next attempt
  reason: string; // e.g. "HTTP 503", "ECONNRESET", "429 Retry-After 3s", "409 800060"
}

export interface CreateOrderOptions extends RequestOptions {
  /** MS-RequestId: one per logical create, reused on every retry and across runs. */
  requestId: string;
  onRetry?: (info: RetryInfo) => void;
}

export interface ProvisioningStatusItem {
  lineItemNumber: number;
  status: string;
  quantityProvisioningInformation?: { quantity: number; status: string }[];
}

/**
 * A subscription as Partner Center shows it (the Subscription resource; docs/subscriptions.md).
 * Strings are as sent except `status`, which is lower-cased (active, suspended, deleted, pending,
 * none). Fields the service leaves out or sends as null are absent.
 */
export interface Subscription {
  id: string;
  quantity: number;
  status: string;
  offerId?: string;
  offerName?: string;
  friendlyName?: string;
  unitType?: string;
  parentSubscriptionId?: string;
  creationDate?: string;
  effectiveStartDate?: string;
  commitmentEndDate?: string;
  /** New commerce: the last moment seats can be reduced (the cancellation window). */
  cancellationAllowedUntilDate?: string;
  autoRenewEnabled?: boolean;
  billingType?: string;
  billingCycle?: string;
  termDuration?: string;
  orderId?: string;
  entitlementId?: string;
  contractType?: string;
  /** attributes.etag: Partner Center refuses a change sent with a stale one (2055). */
  etag?: string;
  /** The resource as it was read: a quantity change sends it back whole, with the new quantity. */
  readonly resource: Readonly<Record<string, unknown>>;
}

/** MS-RequestId of one logical quantity change, reused on every retry and by every later run. */
export type UpdateSubscriptionOptions = CreateOrderOptions;

/** A customer of the partner as the Customer resource shows it (docs/generate.md). */
export interface Customer {
  id: string; // lower-case tenant id
  /** companyProfile.companyName, as sent. */
  companyName: string;
}

export interface ClientStats {
  requests: number; // HTTP attempts sent
  retries: number;
  throttled: number; // 429 answers received
}

export interface PartnerCenterClient {
  /**
   * Signs in now (an access token from cache or the token endpoint), so that a refused sign-in
   * stops a run once, before any customer is read (docs/sign-in.md, "Fail fast").
   */
  signIn(options?: RequestOptions): Promise<void>;
  createOrder(customerId: string, content: OrderContent, options: CreateOrderOptions): Promise<RemoteOrder>;
  listOrders(customerId: string, options?: RequestOptions & { billingType?: string }): Promise<RemoteOrder[]>;
  /** null when Partner Center answers 404 (order id not found). */
  getOrder(customerId: string, orderId: string, options?: RequestOptions): Promise<RemoteOrder | null>;
  /** Integration sandbox only: PATCH status cancelled. */
  cancelOrder(customerId: string, orderId: string, options?: RequestOptions): Promise<RemoteOrder>;
  getProvisioningStatus(
    customerId: string,
    orderId: string,
    options?: RequestOptions,
  ): Promise<ProvisioningStatusItem[]>;
  listSubscriptionsByOrder(
    customerId: string,
    orderId: string,
    options?: RequestOptions,
  ): Promise<Subscription[]>;
  /** Every subscription of the customer (the documented list is not paged; links.next is followed). */
  listSubscriptions(customerId: string, options?: RequestOptions): Promise<Subscription[]>;
  /** null when Partner Center answers 404 (20003, subscription not found). */
  getSubscription(
    customerId: string,
    subscriptionId: string,
    options?: RequestOptions,
  ): Promise<Subscription | null>;
  /**
   * PATCHes the subscription (as read, whole) with the new quantity; sends options.requestId on
   * every attempt, so a retry is never applied twice. Refusals are PartnerCenterError with the
   * service's code (selectSubscriptionRefusal in ./errors.ts names the documented ones).
   */
  updateSubscriptionQuantity(
    customerId: string,
    subscription: Subscription,
    quantity: number,
    options: UpdateSubscriptionOptions,
  ): Promise<Subscription>;
  /** Every customer of the partner: GET /customers?size=N, following links.next page by page. */
  listCustomers(options?: RequestOptions & { pageSize?: number }): Promise<Customer[]>;
  /**
   * One customer by tenant id; null when Partner Center says the partner has no such customer
   * (404, 400 900118 "Invalid Customer Id", 403 20002 "no commerce relationship").
   */
  getCustomer(customerId: string, options?: RequestOptions): Promise<Customer | null>;
  readonly stats: ClientStats;
  close(): Promise<void>;
}
