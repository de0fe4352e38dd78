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

export interface SubscriptionSummary {
  id: string;
  offerId?: string;
  quantity?: number;
  status?: string;
  orderId?: string;
  friendlyName?: string;
}

export interface ClientStats {
  requests: number; // HTTP attempts sent
  retries: number;
  throttled: number; // 429 answers received
}

export interface PartnerCenterClient {
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
  ): Promise<SubscriptionSummary[]>;
  readonly stats: ClientStats;
  close(): Promise<void>;
}
