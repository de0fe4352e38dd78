/**
 * The sandbox: a node:http Partner Center emulator (DESIGN §6). One process-local store, token
 * endpoints on the same host, /v1 order routes, and a loopback-only admin API under /_sandbox.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadCatalog } from "./catalog.js";
import type { Catalog } from "./catalog.js";
import {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  DEFAULT_REQUEST_ID_TTL_MS,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  SANDBOX_CUSTOMERS,
  SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION,
  SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER,
  SANDBOX_OTHER_PARTNER,
  SANDBOX_PARTNER,
} from "./defaults.js";
import type { SandboxCustomer, SandboxPartner } from "./defaults.js";
import { FaultInjector, parseFaultConfig } from "./faults.js";
import { listenOrExplain } from "./listen.js";
import { createFailureAnswer, readRequestBody as readBody } from "./request-body.js";
import type { ApiError, NormalizedOrderRequest } from "./order-request.js";
import {
  createApiError,
  createBodyFingerprint,
  createLowerKeyed,
  normalizeBillingCycle,
  normalizeOrderStatus,
  parseCreateOrderRequest,
} from "./order-request.js";
import {
  renderApiError,
  renderCollection,
  renderOrder,
  renderProvisioningStatus,
  renderSubscriptions,
} from "./render.js";
import { createCustomerKey, SandboxStore } from "./store.js";
import type { RequestRecord, StoredCustomer, StoredOrder, StoredOrderStatus } from "./store.js";

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Persist orders and request-id records here (plus an append-only `<file>.log`). */
  dataFile?: string;
  /** A new order shows in the customer's order list only after this delay (GET by id sees it at once). */
  listDelayMs?: number;
  /** Orders go from pending to completed (and get subscription ids) after this delay. */
  provisioningDelayMs?: number;
  tokenLifetimeSeconds?: number;
  /** Requests per minute on order routes per rate-limit key; 0 turns the limit off. */
  rateLimitPerMinute?: number;
  rateLimitKey?: "partner" | "partner+customer";
  /** The integration sandbox's limits (5 subscriptions per customer, 25 licenses each): 800018. */
  sandboxLimits?: boolean;
  requestIdTtlMs?: number;
  /** Seed of the fault dice when PUT /_sandbox/faults gives none. */
  seed?: number;
  partners?: SandboxPartner[];
  customers?: SandboxCustomer[];
  /** Error `code` as a JSON number instead of a string (the service has been seen sending both). */
  numericErrorCodes?: boolean;
  /** Clock in epoch ms; tests may inject one. Defaults to Date.now. */
  clock?: () => number;
}

export interface RunningSandbox {
  /** http://HOST:PORT, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Token {
  partnerTenantId: string;
  expiresAtMs: number;
}

interface RateWindow {
  startMs: number;
  count: number;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const MAX_V1_BODY = 1 << 20;
const MAX_ADMIN_BODY = 256 << 20;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token$/;
const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = new Sandbox(options);
  return sandbox.start();
}

class Sandbox {
  private readonly now: () => number;
  private readonly catalog: Catalog;
  private readonly store: SandboxStore;
  private readonly faults: FaultInjector;
  private readonly tokens = new Map<string, Token>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly inFlight = new Set<string>();
  private readonly rateWindows = new Map<string, RateWindow>();
  private readonly stats = new Map<string, Map<string, number>>();
  private readonly renderCache = new WeakMap<StoredOrder, { json: string; validUntil: number }>();
  private readonly basePartners: SandboxPartner[];
  private readonly baseCustomers: StoredCustomer[];
  private server: Server | undefined;

  constructor(private readonly options: SandboxOptions) {
    this.now = options.clock ?? Date.now;
    this.catalog = loadCatalog();
    this.store = new SandboxStore(options.dataFile);
    this.faults = new FaultInjector(options.seed ?? 1);
    this.basePartners = [SANDBOX_PARTNER, SANDBOX_OTHER_PARTNER, ...(options.partners ?? [])];
    this.baseCustomers = [...SANDBOX_CUSTOMERS, ...(options.customers ?? [])].map(normalizeCustomer);
  }

  async start(): Promise<RunningSandbox> {
    // Built-in registrations first, so a persisted store may override them (e.g. re-parented customers).
    this.store.seedPartners(this.basePartners);
    this.store.seedCustomers(this.baseCustomers);
    this.store.load(this.now());
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // 413 for a body over its limit; else a bug: 500 rather than leave the client hanging.
        const answer = createFailureAnswer(error, this.options.numericErrorCodes === true);
        if (!res.headersSent)
          this.send(req, res, answer.status === 413 ? "body-too-large" : "internal", answer);
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 10_000;
    const host = this.options.host ?? "127.0.0.1";
    try {
      await listenOrExplain(server, this.options.port ?? 0, host);
    } catch (error) {
      this.store.close(this.now()); // releases the data file's lock
      throw error;
    }
    this.server = server;
    const { port } = server.address() as AddressInfo;
    const shownHost = host.includes(":") ? `[${host}]` : host;
    return { url: `http://${shownHost}:${port}`, close: () => this.close() };
  }

  private async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.store.close(this.now());
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));
    const method = req.method ?? "GET";
    if (path.startsWith("/_sandbox/")) return this.handleAdmin(req, res, method, path, query);
    const token = TOKEN_PATH.exec(path);
    if (token !== null)
      return this.handleToken(
        req,
        res,
        method,
        decodeURIComponent(token[1] as string),
        token[2] !== undefined,
      );
    if (path.startsWith("/v1/")) return this.handleV1(req, res, method, path, query);
    this.sendError(req, res, "unknown", createApiError(404, "1000", `Not found: ${path}`));
  }

  // ---- /v1 -----------------------------------------------------------------------------------

  private async handleV1(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const segments = path.split("/");
    // ["", "v1", "customers", c, ...]
    const route = matchV1Route(method, segments);
    if (route === undefined) {
      return this.sendError(
        req,
        res,
        `${method} /v1/unknown`,
        createApiError(404, "1000", `Not found: ${method} ${path}`),
      );
    }
    if (route.kind === "method-not-allowed") {
      return this.sendError(
        req,
        res,
        route.template,
        createApiError(405, "0", `Method ${method} is not allowed on ${path}`),
      );
    }
    const partnerTenantId = this.authenticate(req);
    if (partnerTenantId === undefined) {
      const missing = !(req.headers.authorization ?? "").toLowerCase().startsWith("bearer ");
      const error = missing
        ? createApiError(401, "800001", "Partner Token missing in request context.")
        : createApiError(401, "400", "Access denied: the bearer token is invalid or expired.");
      return this.sendError(req, res, route.template, error, {
        "WWW-Authenticate": `OAuth realm=urn:cpsvc:cpid:${randomUUID()}`,
      });
    }
    const customerId = (segments[3] ?? "").toLowerCase();
    if (route.rateLimited) {
      const retryAfter = this.takeRateLimit(partnerTenantId, customerId);
      if (retryAfter !== undefined) return this.sendThrottled(req, res, route.template, retryAfter);
    }
    const customer = this.store.customers.get(customerId);
    if (customer === undefined || !GUID.test(customerId)) {
      return this.sendError(
        req,
        res,
        route.template,
        createApiError(400, "900118", `Invalid Customer Id: ${segments[3] ?? ""}`),
      );
    }
    if (customer.partnerTenantId !== partnerTenantId) {
      return this.sendError(
        req,
        res,
        route.template,
        createApiError(403, "20002", "Partner has no commerce relationship with customer."),
      );
    }
    const body = method === "GET" ? undefined : await readBody(req, MAX_V1_BODY);
    if (route.kind === "create-order") {
      return this.handleCreate(req, res, route.template, partnerTenantId, customer, path, body ?? "");
    }
    const decision = this.faults.decide(method, path);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (decision.throttleSeconds !== undefined)
      return this.sendThrottled(req, res, route.template, decision.throttleSeconds);
    if (decision.error !== undefined) return this.sendError(req, res, route.template, decision.error.error);
    const answer = this.answerV1(route, segments, query, partnerTenantId, customer, body);
    if (decision.drop) return this.drop(req, res, route.template);
    this.send(req, res, route.template, answer);
  }

  private answerV1(
    route: V1Route,
    segments: string[],
    query: URLSearchParams,
    partnerTenantId: string,
    customer: StoredCustomer,
    body: string | undefined,
  ): Answer {
    const now = this.now();
    const customerId = customer.id;
    switch (route.kind) {
      case "list-orders": {
        const billingType = query.get("billingType") ?? query.get("billingtype");
        let cycle: string | undefined;
        if (billingType !== null) {
          cycle = normalizeBillingCycle(billingType);
          if (cycle === undefined)
            return errorAnswer(
              createApiError(
                400,
                "900126",
                `Unable to parse enum: '${billingType}' is not a valid BillingCycleType.`,
              ),
              this.options.numericErrorCodes,
            );
        }
        const orders = this.store.ordersByCustomer.get(createCustomerKey(partnerTenantId, customerId)) ?? [];
        const items: string[] = [];
        for (const order of orders) {
          if (order.visibleAtMs > now) continue;
          if (cycle !== undefined && order.billingCycle !== cycle) continue;
          items.push(this.renderOrderJson(order, now));
        }
        // The envelope is spliced around cached order JSON: the list is the hot path of plan.
        const envelope = JSON.stringify(renderCollection([], `/customers/${customerId}/orders`));
        const body = envelope
          .replace('"totalCount":0', `"totalCount":${items.length}`)
          .replace('"items":[]', `"items":[${items.join(",")}]`);
        return { status: 200, body };
      }
      case "get-order":
      case "patch-order":
      case "provisioning-status":
      case "activation-links": {
        const order = this.findOrder(partnerTenantId, customerId, segments[5] ?? "");
        if (order === undefined) {
          return errorAnswer(
            createApiError(404, "20000", `Order Id not found: ${segments[5] ?? ""}`),
            this.options.numericErrorCodes,
          );
        }
        if (route.kind === "get-order") return { status: 200, body: this.renderOrderJson(order, now) };
        if (route.kind === "provisioning-status") {
          const items = renderProvisioningStatus(order, now);
          return jsonAnswer(
            200,
            renderCollection(items, `/customers/${customerId}/orders/${order.id}/provisioningstatus`),
          );
        }
        if (route.kind === "activation-links") {
          const raw = segments[7] ?? "";
          const n = /^\d+$/.test(raw) ? Number(raw) : -1;
          if (n < 0 || n >= order.lineItems.length) {
            return errorAnswer(
              createApiError(
                400,
                "800071",
                `Line Item number should be from 0 to number of line items count (${order.lineItems.length}); got ${raw}.`,
              ),
              this.options.numericErrorCodes,
            );
          }
          const uri = `/customers/${customerId}/orders/${order.id}/lineitems/${n}/activationlinks`;
          const items = [
            {
              lineItemNumber: n,
              // The integration sandbox returns dummy activation links (test-and-debug.md).
              link: {
                uri: `https://sandbox.invalid/activate?orderId=${order.id}&lineItemNumber=${n}`,
                method: "GET",
                headers: [],
              },
            },
          ];
          return jsonAnswer(200, renderCollection(items, uri));
        }
        return this.cancelOrder(order, body ?? "");
      }
      case "list-subscriptions": {
        const orderId = query.get("order_id");
        const orders =
          orderId === null
            ? (this.store.ordersByCustomer.get(createCustomerKey(partnerTenantId, customerId)) ?? [])
            : [this.findOrder(partnerTenantId, customerId, orderId)].filter(
                (o): o is StoredOrder => o !== undefined,
              );
        const items = orders.flatMap((o) => renderSubscriptions(o, this.catalog, now));
        return jsonAnswer(200, renderCollection(items, `/customers/${customerId}/subscriptions`));
      }
      case "create-order":
      case "method-not-allowed":
        throw new Error(`route ${route.kind} is not answered here`);
      default:
        return assertNever(route.kind);
    }
  }

  /**
   * Rendered order JSON, cached per stored order object. Every change replaces the object (so the
   * cache entry goes with it); the only time-dependent part is pending -> completed, hence validUntil.
   */
  private renderOrderJson(order: StoredOrder, now: number): string {
    const cached = this.renderCache.get(order);
    if (cached !== undefined && now < cached.validUntil) return cached.json;
    const json = JSON.stringify(renderOrder(order, this.catalog, now));
    this.renderCache.set(order, {
      json,
      validUntil: now < order.provisionAtMs ? order.provisionAtMs : Number.POSITIVE_INFINITY,
    });
    return json;
  }

  private findOrder(partnerTenantId: string, customerId: string, orderId: string): StoredOrder | undefined {
    const order = this.store.orders.get(orderId);
    if (order === undefined || order.partnerTenantId !== partnerTenantId || order.customerId !== customerId)
      return undefined;
    return order;
  }

  /** PATCH status=cancelled, as the integration sandbox allows (cancel-an-order-from-the-integration-sandbox.md). */
  private cancelOrder(order: StoredOrder, body: string): Answer {
    const numeric = this.options.numericErrorCodes;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return errorAnswer(
        createApiError(400, "800002", "Invalid request input: the body is not valid JSON."),
        numeric,
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return errorAnswer(
        createApiError(400, "800002", "Invalid request input: the body must be a JSON object."),
        numeric,
      );
    }
    const status = createLowerKeyed(parsed as Json).status;
    const normalized = typeof status === "string" ? normalizeOrderStatus(status) : undefined;
    if (typeof status === "string" && normalized === undefined) {
      return errorAnswer(
        createApiError(400, "900126", `Unable to parse enum: '${status}' is not a valid OrderStatus.`),
        numeric,
      );
    }
    if (normalized !== "cancelled") {
      return errorAnswer(
        createApiError(
          400,
          "800002",
          "Invalid request input: the sandbox supports PATCH only with status 'cancelled'.",
        ),
        numeric,
      );
    }
    if (order.status === "cancelled") {
      return errorAnswer(
        createApiError(400, "800061", "Order cannot be cancelled: it is already cancelled."),
        numeric,
      );
    }
    const updated: StoredOrder = { ...order, status: "cancelled" };
    this.store.writeOrders([updated]);
    return jsonAnswer(200, renderOrder(updated, this.catalog, this.now()));
  }

  // ---- create + MS-RequestId ------------------------------------------------------------------

  private async handleCreate(
    req: IncomingMessage,
    res: ServerResponse,
    template: string,
    partnerTenantId: string,
    customer: StoredCustomer,
    path: string,
    body: string,
  ): Promise<void> {
    const numeric = this.options.numericErrorCodes;
    const requestId = headerValue(req, "ms-requestid");
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return this.sendError(
        req,
        res,
        template,
        createApiError(400, "800002", "Invalid request input: the body is not valid JSON."),
      );
    }
    const fingerprint = createBodyFingerprint(customer.id, parsed);
    const recordKey = requestId === undefined ? undefined : createCustomerKey(partnerTenantId, requestId);
    if (recordKey !== undefined) {
      if (this.inFlight.has(recordKey)) {
        return this.sendError(
          req,
          res,
          template,
          createApiError(
            409,
            "800060",
            "Your order is in progress. Please check your order history for recent orders in few minutes",
          ),
        );
      }
      const record = this.store.requests.get(recordKey);
      if (record !== undefined && record.expiresAtMs > this.now()) {
        if (record.fingerprint !== fingerprint) {
          return this.sendError(
            req,
            res,
            template,
            createApiError(
              400,
              "800002",
              `Invalid request input: MS-RequestId ${requestId ?? ""} was already used for a different request; a new order needs a new request id.`,
            ),
          );
        }
        return this.send(req, res, template, {
          status: record.status,
          body: record.body,
          headers: { "MS-Replayed": "true" },
        });
      }
      this.inFlight.add(recordKey);
    }
    try {
      const decision = this.faults.decide("POST", path);
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      if (decision.throttleSeconds !== undefined)
        return this.sendThrottled(req, res, template, decision.throttleSeconds);
      if (decision.error !== undefined) return this.sendError(req, res, template, decision.error.error);
      const now = this.now();
      const result = this.createOrder(partnerTenantId, customer, parsed, requestId, now);
      const answer = result.ok ? jsonAnswer(201, result.body) : errorAnswer(result.error, numeric);
      const record: RequestRecord | undefined =
        requestId === undefined
          ? undefined
          : {
              partnerTenantId,
              requestId,
              fingerprint,
              status: answer.status,
              body: answer.body,
              expiresAtMs: now + (this.options.requestIdTtlMs ?? DEFAULT_REQUEST_ID_TTL_MS),
              ...(result.ok ? { orderId: result.order.id } : {}),
            };
      // Durable before any answer: the order and its request record in one fsynced append.
      if (result.ok) this.store.writeOrders([result.order], record === undefined ? undefined : [record]);
      else if (record !== undefined) this.store.writeRequests([record]);
      if (decision.drop) return this.drop(req, res, template);
      this.send(req, res, template, answer);
    } finally {
      if (recordKey !== undefined) this.inFlight.delete(recordKey);
    }
  }

  private createOrder(
    partnerTenantId: string,
    customer: StoredCustomer,
    body: unknown,
    requestId: string | undefined,
    now: number,
  ): { ok: true; order: StoredOrder; body: Json } | { ok: false; error: ApiError } {
    const parsed = parseCreateOrderRequest(body, {
      catalog: this.catalog,
      azureSubscriptions: customer.azureSubscriptions,
    });
    if (!parsed.ok) return parsed;
    if (this.options.sandboxLimits !== false) {
      const limit = this.checkSandboxLimits(partnerTenantId, customer.id, parsed.value);
      if (limit !== undefined) return { ok: false, error: limit };
    }
    const order = this.buildOrder(partnerTenantId, customer.id, parsed.value, requestId, now, {
      visibleAtMs: now + (this.options.listDelayMs ?? 0),
      provisionAtMs: now + (this.options.provisioningDelayMs ?? 0),
      status: "pending",
    });
    return { ok: true, order, body: renderOrder(order, this.catalog, now, true) };
  }

  private checkSandboxLimits(
    partnerTenantId: string,
    customerId: string,
    request: NormalizedOrderRequest,
  ): ApiError | undefined {
    const over = request.lineItems.find((l) => l.quantity > SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION);
    if (over !== undefined) {
      return createApiError(
        400,
        "800018",
        `The sandbox limit has been met: at most ${SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION} licenses per subscription (line item ${over.lineItemNumber} asks for ${over.quantity}).`,
      );
    }
    const orders = this.store.ordersByCustomer.get(createCustomerKey(partnerTenantId, customerId)) ?? [];
    let subscriptions = 0;
    for (const order of orders) if (order.status !== "cancelled") subscriptions += order.lineItems.length;
    if (subscriptions + request.lineItems.length > SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER) {
      return createApiError(
        400,
        "800018",
        `The sandbox limit has been met: at most ${SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER} subscriptions per customer (${subscriptions} exist).`,
      );
    }
    return undefined;
  }

  private buildOrder(
    partnerTenantId: string,
    customerId: string,
    request: NormalizedOrderRequest,
    requestId: string | undefined,
    now: number,
    timing: { visibleAtMs: number; provisionAtMs: number; status: StoredOrderStatus; creationDate?: string },
  ): StoredOrder {
    const catalogOrder = request.lineItems.some((l) => l.offerId.includes(":"));
    let id: string;
    do {
      id = catalogOrder ? randomBytes(6).toString("hex") : randomUUID();
    } while (this.store.orders.has(id));
    const order: StoredOrder = {
      id,
      partnerTenantId,
      customerId,
      billingCycle: request.billingCycle,
      currencyCode: "USD",
      lineItems: request.lineItems,
      creationDate: timing.creationDate ?? createCreationDate(now),
      createdAtMs: now,
      visibleAtMs: timing.visibleAtMs,
      provisionAtMs: timing.provisionAtMs,
      status: timing.status,
    };
    if (catalogOrder) order.alternateId = id;
    if (requestId !== undefined) order.requestId = requestId;
    if (request.partnerOnRecordAttestationAccepted !== undefined) {
      order.partnerOnRecordAttestationAccepted = request.partnerOnRecordAttestationAccepted;
    }
    return order;
  }

  // ---- auth, rate limit ------------------------------------------------------------------------

  private authenticate(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (header === undefined || !header.toLowerCase().startsWith("bearer ")) return undefined;
    const token = this.tokens.get(header.slice(7).trim());
    if (token === undefined) return undefined;
    if (token.expiresAtMs <= this.now()) {
      this.tokens.delete(header.slice(7).trim());
      return undefined;
    }
    return token.partnerTenantId;
  }

  /** Fixed one-minute windows per key; returns Retry-After seconds when the request is refused. */
  private takeRateLimit(partnerTenantId: string, customerId: string): number | undefined {
    const limit = this.options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
    if (limit <= 0 || !Number.isFinite(limit)) return undefined;
    const key =
      this.options.rateLimitKey === "partner" ? partnerTenantId : `${partnerTenantId}|${customerId}`;
    const now = this.now();
    let window = this.rateWindows.get(key);
    if (window === undefined || now - window.startMs >= 60_000) {
      window = { startMs: now, count: 0 };
      this.rateWindows.set(key, window);
    }
    if (window.count >= limit) return Math.max(1, Math.ceil((window.startMs + 60_000 - now) / 1000));
    window.count += 1;
    return undefined;
  }

  private async handleToken(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    tenant: string,
    v2: boolean,
  ): Promise<void> {
    const template = v2 ? "POST /{tenant}/oauth2/v2.0/token" : "POST /{tenant}/oauth2/token";
    if (method !== "POST")
      return this.send(req, res, template, oauthError(405, "invalid_request", "Use POST."));
    const form = new URLSearchParams(await readBody(req, MAX_V1_BODY));
    const decision = this.faults.decide(method, req.url ?? "");
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (decision.error !== undefined) return this.sendError(req, res, template, decision.error.error);
    const partner = this.store.partners.get(tenant.toLowerCase());
    if (partner === undefined) {
      return this.send(
        req,
        res,
        template,
        oauthError(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found.`),
      );
    }
    const grant = form.get("grant_type");
    const clientId = form.get("client_id");
    const secret = form.get("client_secret");
    if (clientId !== partner.clientId) {
      return this.send(
        req,
        res,
        template,
        oauthError(
          400,
          "unauthorized_client",
          `AADSTS700016: Application with identifier '${clientId ?? ""}' was not found in the directory.`,
        ),
      );
    }
    if (grant === "client_credentials") {
      if (secret !== partner.clientSecret) return this.send(req, res, template, invalidSecret());
    } else if (grant === "refresh_token") {
      if (secret !== null && secret !== partner.clientSecret)
        return this.send(req, res, template, invalidSecret());
      const refresh = form.get("refresh_token") ?? "";
      const owner = refresh === partner.refreshToken ? partner.tenantId : this.refreshTokens.get(refresh);
      if (owner !== partner.tenantId) {
        return this.send(
          req,
          res,
          template,
          oauthError(400, "invalid_grant", "AADSTS70000: The provided refresh token is invalid or expired."),
        );
      }
    } else {
      return this.send(
        req,
        res,
        template,
        oauthError(
          400,
          "unsupported_grant_type",
          `AADSTS70003: The grant type '${grant ?? ""}' is not supported.`,
        ),
      );
    }
    const lifetime = this.options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    const now = this.now();
    const accessToken = `sbx.${randomBytes(24).toString("base64url")}`;
    this.tokens.set(accessToken, { partnerTenantId: partner.tenantId, expiresAtMs: now + lifetime * 1000 });
    const body: Json = { token_type: "Bearer" };
    if (v2) {
      body.expires_in = lifetime;
      body.ext_expires_in = lifetime;
    } else {
      body.expires_in = String(lifetime);
      body.ext_expires_in = String(lifetime);
      body.expires_on = String(Math.floor(now / 1000) + lifetime);
      body.not_before = String(Math.floor(now / 1000));
      body.resource = form.get("resource") ?? "https://api.partnercenter.microsoft.com";
    }
    if (grant === "refresh_token") {
      const nextRefresh = `sbxr.${randomBytes(24).toString("base64url")}`;
      this.refreshTokens.set(nextRefresh, partner.tenantId);
      body.scope = v2 ? "https://api.partnercenter.microsoft.com/user_impersonation" : "user_impersonation";
      body.refresh_token = nextRefresh;
    }
    body.access_token = accessToken;
    this.send(req, res, template, jsonAnswer(200, body, { "Cache-Control": "no-store" }));
  }

  // ---- admin -----------------------------------------------------------------------------------

  private async handleAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const template = `${method} ${path.startsWith("/_sandbox/orders/") ? "/_sandbox/orders/{id}" : path}`;
    if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) {
      return this.send(req, res, template, adminError(403, "the admin API answers loopback peers only"));
    }
    const body = method === "GET" ? "" : await readBody(req, MAX_ADMIN_BODY);
    let parsed: unknown = undefined;
    if (body.trim() !== "") {
      try {
        parsed = JSON.parse(body);
      } catch {
        return this.send(req, res, template, adminError(400, "body is not valid JSON"));
      }
    }
    const now = this.now();
    const key = `${method} ${path.startsWith("/_sandbox/orders/") ? "/_sandbox/orders/{id}" : path}`;
    switch (key) {
      case "GET /_sandbox/health":
        return this.send(
          req,
          res,
          template,
          jsonAnswer(200, {
            status: "ok",
            partners: this.store.partners.size,
            customers: this.store.customers.size,
            orders: this.store.orders.size,
          }),
        );
      case "POST /_sandbox/partners":
        return this.send(req, res, template, this.adminAddPartners(parsed));
      case "POST /_sandbox/customers":
        return this.send(req, res, template, this.adminAddCustomers(parsed));
      case "GET /_sandbox/orders": {
        const filter = query.get("customer")?.toLowerCase();
        const items: Json[] = [];
        for (const order of this.store.orders.values()) {
          if (filter !== undefined && order.customerId !== filter) continue;
          items.push(this.renderAdminOrder(order, now));
        }
        return this.send(req, res, template, jsonAnswer(200, { totalCount: items.length, items }));
      }
      case "POST /_sandbox/orders":
        return this.send(
          req,
          res,
          template,
          this.adminInsertOrders(parsed, now, query.get("compact") === "1"),
        );
      case "PATCH /_sandbox/orders/{id}":
        return this.send(
          req,
          res,
          template,
          this.adminPatchOrder(decodeURIComponent(path.slice("/_sandbox/orders/".length)), parsed, now),
        );
      case "PUT /_sandbox/faults": {
        const config = parseFaultConfig(parsed ?? {});
        if (!config.ok) return this.send(req, res, template, adminError(400, config.message));
        this.faults.configure(config.value);
        return this.send(req, res, template, jsonAnswer(200, config.value));
      }
      case "GET /_sandbox/faults":
        return this.send(req, res, template, jsonAnswer(200, this.faults.current));
      case "GET /_sandbox/stats": {
        const routes: Record<string, Record<string, number>> = {};
        let total = 0;
        for (const [route, counts] of this.stats) {
          routes[route] = Object.fromEntries(counts);
          for (const n of counts.values()) total += n;
        }
        return this.send(req, res, template, jsonAnswer(200, { total, routes }));
      }
      case "POST /_sandbox/reset":
        this.store.reset(this.basePartners, this.baseCustomers, now);
        this.faults.configure({});
        this.stats.clear();
        this.rateWindows.clear();
        this.inFlight.clear();
        return this.send(req, res, template, jsonAnswer(200, { status: "reset" }));
      default:
        return this.send(req, res, template, adminError(404, `no admin route ${method} ${path}`));
    }
  }

  private renderAdminOrder(order: StoredOrder, now: number): Json {
    return {
      partnerTenantId: order.partnerTenantId,
      customerId: order.customerId,
      requestId: order.requestId ?? null,
      visibleInList: order.visibleAtMs <= now,
      order: renderOrder(order, this.catalog, now),
    };
  }

  private adminAddPartners(body: unknown): Answer {
    const items = Array.isArray(body) ? body : [body];
    const partners: SandboxPartner[] = [];
    for (const item of items) {
      const p = item as Partial<SandboxPartner> | null;
      if (p === null || typeof p !== "object" || typeof p.tenantId !== "string" || !GUID.test(p.tenantId)) {
        return adminError(400, "each partner needs a GUID tenantId, a clientId and a clientSecret");
      }
      if (typeof p.clientId !== "string" || typeof p.clientSecret !== "string") {
        return adminError(400, "each partner needs a GUID tenantId, a clientId and a clientSecret");
      }
      partners.push({ ...(p as SandboxPartner), tenantId: p.tenantId.toLowerCase() });
    }
    this.store.writePartners(partners);
    return jsonAnswer(200, {
      count: partners.length,
      items: partners.map((p) => ({ tenantId: p.tenantId, clientId: p.clientId })),
    });
  }

  private adminAddCustomers(body: unknown): Answer {
    const items = Array.isArray(body) ? body : [body];
    const customers: StoredCustomer[] = [];
    for (const [index, item] of items.entries()) {
      const c = item as Partial<SandboxCustomer> | null;
      if (c === null || typeof c !== "object" || typeof c.id !== "string" || !GUID.test(c.id)) {
        return adminError(400, `customers[${index}]: id must be a GUID`);
      }
      const partner = (c.partnerTenantId ?? SANDBOX_PARTNER.tenantId).toLowerCase();
      if (!this.store.partners.has(partner))
        return adminError(400, `customers[${index}]: unknown partnerTenantId ${partner}`);
      customers.push(normalizeCustomer({ ...(c as SandboxCustomer), partnerTenantId: partner }));
    }
    this.store.writeCustomers(customers);
    return jsonAnswer(200, { count: customers.length, items: customers });
  }

  /** Inserts orders behind the /v1 API (seeding for tests and benchmarks); one fsync per batch. */
  private adminInsertOrders(body: unknown, now: number, compact: boolean): Answer {
    const items = Array.isArray(body) ? body : [body];
    const orders: StoredOrder[] = [];
    const records: RequestRecord[] = [];
    const newCustomers = new Map<string, StoredCustomer>();
    const taken = new Set<string>();
    for (const [index, raw] of items.entries()) {
      if (typeof raw !== "object" || raw === null)
        return adminError(400, `orders[${index}]: must be an object`);
      const entry = raw as Json;
      const customerId = typeof entry.customer === "string" ? entry.customer.toLowerCase() : "";
      if (!GUID.test(customerId)) return adminError(400, `orders[${index}]: customer must be a GUID`);
      const partner = (
        typeof entry.partnerTenantId === "string" ? entry.partnerTenantId : SANDBOX_PARTNER.tenantId
      ).toLowerCase();
      if (!this.store.partners.has(partner))
        return adminError(400, `orders[${index}]: unknown partnerTenantId ${partner}`);
      let customer = this.store.customers.get(customerId) ?? newCustomers.get(customerId);
      if (customer === undefined) {
        // Unknown customers are registered on the fly so a benchmark can seed in one call.
        customer = normalizeCustomer({
          id: customerId,
          companyName: `Customer ${customerId.slice(0, 8)}`,
          partnerTenantId: partner,
        });
        newCustomers.set(customerId, customer);
      }
      if (customer.partnerTenantId !== partner) {
        return adminError(
          400,
          `orders[${index}]: customer ${customerId} belongs to partner ${customer.partnerTenantId}`,
        );
      }
      const orderBody = entry.order !== undefined ? entry.order : stripAdminKeys(entry);
      const parsed = parseCreateOrderRequest(orderBody, {
        catalog: this.catalog,
        azureSubscriptions: customer.azureSubscriptions,
      });
      if (!parsed.ok)
        return adminError(400, `orders[${index}]: ${parsed.error.code} ${parsed.error.description}`);
      let createdAt = now;
      let creationDate: string | undefined;
      if (typeof entry.creationDate === "string") {
        createdAt = Date.parse(entry.creationDate);
        if (Number.isNaN(createdAt)) return adminError(400, `orders[${index}]: creationDate is not a date`);
        creationDate = entry.creationDate;
      }
      const statusRaw = typeof entry.status === "string" ? normalizeOrderStatus(entry.status) : "completed";
      if (statusRaw === undefined || statusRaw === "unknown")
        return adminError(400, `orders[${index}]: status must be pending, completed or cancelled`);
      const status = statusRaw as StoredOrderStatus;
      const requestId = typeof entry.requestId === "string" ? entry.requestId : undefined;
      const order = this.buildOrder(partner, customerId, parsed.value, requestId, createdAt, {
        visibleAtMs: createdAt,
        provisionAtMs: status === "pending" ? Number.MAX_SAFE_INTEGER : createdAt,
        status,
        ...(creationDate === undefined ? {} : { creationDate }),
      });
      if (taken.has(order.id)) return adminError(500, "order id collision; retry");
      taken.add(order.id);
      orders.push(order);
      if (requestId !== undefined) {
        records.push({
          partnerTenantId: partner,
          requestId,
          fingerprint: createBodyFingerprint(customerId, orderBody),
          status: 201,
          body: JSON.stringify(renderOrder(order, this.catalog, createdAt, true)),
          orderId: order.id,
          expiresAtMs: now + (this.options.requestIdTtlMs ?? DEFAULT_REQUEST_ID_TTL_MS),
        });
      }
    }
    if (newCustomers.size > 0) this.store.writeCustomers([...newCustomers.values()]);
    this.store.writeOrders(orders, records.length > 0 ? records : undefined);
    // compact: ids only, because rendering 20,000 full orders costs more than storing them.
    const rendered = compact
      ? orders.map((o) => ({
          id: o.id,
          partnerTenantId: o.partnerTenantId,
          customerId: o.customerId,
          requestId: o.requestId ?? null,
        }))
      : orders.map((o) => this.renderAdminOrder(o, now));
    return jsonAnswer(200, { count: orders.length, items: rendered });
  }

  /** Changes an order behind orderform's back, for drift tests. */
  private adminPatchOrder(orderId: string, body: unknown, now: number): Answer {
    const order = this.store.orders.get(orderId);
    if (order === undefined) return adminError(404, `no order ${orderId}`);
    if (typeof body !== "object" || body === null) return adminError(400, "body must be a JSON object");
    const patch = body as { status?: unknown; quantity?: unknown; lineItems?: unknown };
    const updated: StoredOrder = { ...order, lineItems: order.lineItems.map((l) => ({ ...l })) };
    if (patch.status !== undefined) {
      const status = typeof patch.status === "string" ? normalizeOrderStatus(patch.status) : undefined;
      if (status === undefined || status === "unknown")
        return adminError(400, "status must be pending, completed or cancelled");
      updated.status = status as StoredOrderStatus;
      if (status === "completed") updated.provisionAtMs = Math.min(updated.provisionAtMs, now);
      if (status === "pending") updated.provisionAtMs = Number.MAX_SAFE_INTEGER;
    }
    const lineChanges: { lineItemNumber: number; quantity?: unknown }[] = [];
    if (patch.quantity !== undefined) lineChanges.push({ lineItemNumber: 0, quantity: patch.quantity });
    if (Array.isArray(patch.lineItems))
      lineChanges.push(...(patch.lineItems as { lineItemNumber: number; quantity?: unknown }[]));
    for (const change of lineChanges) {
      const line = updated.lineItems.find((l) => l.lineItemNumber === change.lineItemNumber);
      if (line === undefined) return adminError(400, `no line item ${String(change.lineItemNumber)}`);
      if (change.quantity !== undefined) {
        if (!Number.isInteger(change.quantity) || (change.quantity as number) < 1)
          return adminError(400, "quantity must be a positive integer");
        line.quantity = change.quantity as number;
      }
    }
    this.store.writeOrders([updated]);
    return jsonAnswer(200, this.renderAdminOrder(updated, now));
  }

  // ---- responses -------------------------------------------------------------------------------

  private send(req: IncomingMessage, res: ServerResponse, template: string, answer: Answer): void {
    // Stats describe the traffic of the client under test, so the admin API's own calls are left out.
    if (!template.includes(" /_sandbox/")) this.count(template, String(answer.status));
    const headers: Record<string, string | number> = {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(answer.body),
      "MS-RequestId": headerValue(req, "ms-requestid") ?? randomUUID(),
      "MS-CorrelationId": headerValue(req, "ms-correlationid") ?? randomUUID(),
      ...answer.headers,
    };
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  private sendError(
    req: IncomingMessage,
    res: ServerResponse,
    template: string,
    error: ApiError,
    headers?: Record<string, string>,
  ): void {
    const answer = errorAnswer(error, this.options.numericErrorCodes);
    this.send(req, res, template, headers === undefined ? answer : { ...answer, headers });
  }

  /** The documented 429 shape differs from other errors: {statusCode, message} plus Retry-After. */
  private sendThrottled(req: IncomingMessage, res: ServerResponse, template: string, seconds: number): void {
    this.send(req, res, template, {
      status: 429,
      body: JSON.stringify({
        statusCode: 429,
        message: `Rate limit is exceeded. Try again in ${seconds} seconds.`,
      }),
      headers: { "Retry-After": String(seconds) },
    });
  }

  /** Commit-then-drop: the change is already durable; the client sees the connection die with no byte. */
  private drop(_req: IncomingMessage, res: ServerResponse, template: string): void {
    this.count(template, "dropped");
    res.socket?.destroy();
  }

  private count(template: string, status: string): void {
    let counts = this.stats.get(template);
    if (counts === undefined) {
      counts = new Map();
      this.stats.set(template, counts);
    }
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
}

// ---- routing -------------------------------------------------------------------------------------

type V1RouteKind =
  | "create-order"
  | "list-orders"
  | "get-order"
  | "patch-order"
  | "provisioning-status"
  | "activation-links"
  | "list-subscriptions"
  | "method-not-allowed";

interface V1Route {
  kind: V1RouteKind;
  template: string;
  rateLimited: boolean;
}

const ORDERS = "/v1/customers/{customerId}/orders";

/** segments of "/v1/customers/c/orders/o/..." are ["", "v1", "customers", c, "orders", o, ...]. */
function matchV1Route(method: string, s: string[]): V1Route | undefined {
  if (s[2] !== "customers" || s[3] === undefined || s[3] === "") return undefined;
  const n = s.length;
  const route = (kind: V1RouteKind, template: string, allowed: string[], rateLimited: boolean): V1Route => ({
    kind: allowed.includes(method) ? kind : "method-not-allowed",
    template: `${method} ${template}`,
    rateLimited,
  });
  if (s[4] === "subscriptions" && n === 5)
    return route("list-subscriptions", "/v1/customers/{customerId}/subscriptions", ["GET"], false);
  if (s[4] !== "orders") return undefined;
  if (n === 5)
    return route(method === "POST" ? "create-order" : "list-orders", ORDERS, ["GET", "POST"], true);
  if (s[5] === undefined || s[5] === "") return undefined;
  if (n === 6)
    return route(
      method === "PATCH" ? "patch-order" : "get-order",
      `${ORDERS}/{orderId}`,
      ["GET", "PATCH"],
      true,
    );
  if (n === 7 && s[6] === "provisioningstatus") {
    return route("provisioning-status", `${ORDERS}/{orderId}/provisioningstatus`, ["GET"], true);
  }
  if (n === 9 && s[6] === "lineitems" && s[8] === "activationlinks") {
    return route(
      "activation-links",
      `${ORDERS}/{orderId}/lineitems/{lineItemNumber}/activationlinks`,
      ["GET"],
      true,
    );
  }
  return undefined;
}

// ---- helpers -------------------------------------------------------------------------------------

function normalizeCustomer(c: SandboxCustomer): StoredCustomer {
  return {
    id: c.id.toLowerCase(),
    companyName: c.companyName ?? `Customer ${c.id.slice(0, 8)}`,
    partnerTenantId: (c.partnerTenantId ?? SANDBOX_PARTNER.tenantId).toLowerCase(),
    azureSubscriptions: (c.azureSubscriptions ?? []).map((s) => ({
      id: s.id.toLowerCase(),
      reservedInstancesEnabled: s.reservedInstancesEnabled === true,
    })),
  };
}

function stripAdminKeys(entry: Json): Json {
  const { customer: _c, partnerTenantId: _p, creationDate: _d, status: _s, requestId: _r, ...rest } = entry;
  return rest;
}

function jsonAnswer(status: number, body: unknown, headers?: Record<string, string>): Answer {
  return headers === undefined
    ? { status, body: JSON.stringify(body) }
    : { status, body: JSON.stringify(body), headers };
}

function errorAnswer(error: ApiError, numericCodes: boolean | undefined): Answer {
  return jsonAnswer(error.status, renderApiError(error, numericCodes === true));
}

function adminError(status: number, message: string): Answer {
  return jsonAnswer(status, { error: message });
}

function oauthError(status: number, error: string, description: string): Answer {
  return jsonAnswer(status, {
    error,
    error_description: description,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
  });
}

function invalidSecret(): Answer {
  return oauthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Partner Center's creationDate has 7 fractional digits ("2021-08-17T18:13:11.3122226Z"). */
let subMillisecond = 0;
function createCreationDate(nowMs: number): string {
  subMillisecond = (subMillisecond + 1) % 10_000;
  return `${new Date(nowMs).toISOString().slice(0, -1)}${String(subMillisecond).padStart(4, "0")}Z`;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
