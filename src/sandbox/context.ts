/**
 * What every room of the sandbox shares: the options it was started with, the clock, the catalog,
 * the store, the fault dice, and the in-memory tables that are not persisted (issued tokens,
 * in-flight request ids, rate windows, traffic stats, rendered-order cache). One context per
 * running sandbox; `startSandbox` (server.ts) creates it and hands it to every handler.
 * See docs/sandbox.md for the emulator as a whole.
 */
import type { KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Catalog } from "./catalog.js";
import { SANDBOX_PARTNER } from "./defaults.js";
import type { SandboxCustomer, SandboxPartner } from "./defaults.js";
import type { FaultInjector } from "./faults.js";
import type { SandboxStore, StoredCustomer, StoredOrder } from "./store.js";

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

/** An access token the sandbox issued (oauth.ts); never persisted, so a restart signs everyone out. */
export interface IssuedToken {
  partnerTenantId: string;
  expiresAtMs: number;
  /**
   * Whether a user signed in (the refresh-token grant: App+User); false for app-only tokens (client
   * credentials with a secret, a federated or a certificate assertion). Some routes refuse app-only
   * tokens (route-table.ts, `appUser`).
   */
  user: boolean;
}

/**
 * An app registration signing in with client assertions (apps.ts): its federated credentials and
 * certificates, with each certificate's thumbprints as a client assertion's header names them.
 */
export interface SandboxApp {
  clientId: string;
  partnerTenantId: string;
  federatedCredentials: { issuer: string; subject: string; audience: string }[];
  certificates: { pem: string; x5t: string; x5tS256: string }[];
}

/** The test OIDC issuer's signing key, made on first use (test-issuer.ts), and its request tokens. */
export interface TestIssuerState {
  key?: Promise<{ privateKey: KeyObject; jwk: Json }>;
  /** GitHub-Actions-like request token -> the subject of the tokens it may ask for. */
  readonly requestTokens: Map<string, string>;
}

/** One fixed one-minute window of a rate-limit key (rate-windows.ts). */
export interface RateWindow {
  startMs: number;
  count: number;
}

export interface SandboxContext {
  readonly options: SandboxOptions;
  readonly now: () => number;
  readonly catalog: Catalog;
  readonly store: SandboxStore;
  readonly faults: FaultInjector;
  /** Access token -> owner (oauth.ts). */
  readonly tokens: Map<string, IssuedToken>;
  /** Refresh token -> partner tenant id (oauth.ts). */
  readonly refreshTokens: Map<string, string>;
  /** App registrations by client id (apps.ts); in memory, like issued tokens. */
  readonly apps: Map<string, SandboxApp>;
  readonly issuer: TestIssuerState;
  /** partner|MS-RequestId keys of creates being handled right now (request-ids.ts). */
  readonly inFlight: Set<string>;
  readonly rateWindows: Map<string, RateWindow>;
  /** Route template -> status (or "dropped") -> count, for GET /_sandbox/stats. */
  readonly stats: Map<string, Map<string, number>>;
  readonly renderCache: WeakMap<StoredOrder, { json: string; validUntil: number }>;
  /** The registrations a reset returns to: the built-in ones plus those of the options. */
  readonly basePartners: SandboxPartner[];
  readonly baseCustomers: StoredCustomer[];
}

/** One request being answered, with its URL already split into path and query. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The path without the query string, not decoded. */
  readonly path: string;
  readonly query: URLSearchParams;
}

export type Json = Record<string, unknown>;

/** Body limit of the Partner Center routes (orders, tokens). */
export const MAX_V1_BODY = 1 << 20;
/** Body limit of the admin API, which seeds orders in bulk. */
export const MAX_ADMIN_BODY = 256 << 20;
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A customer registration as the store keeps it: lower-case ids, defaults filled in. */
export function createStoredCustomer(c: SandboxCustomer): StoredCustomer {
  const companyName = c.companyName ?? `Customer ${c.id.slice(0, 8)}`;
  return {
    id: c.id.toLowerCase(),
    companyName,
    domain: c.domain ?? createCustomerDomain(companyName, c.id),
    partnerTenantId: (c.partnerTenantId ?? SANDBOX_PARTNER.tenantId).toLowerCase(),
    azureSubscriptions: (c.azureSubscriptions ?? []).map((s) => ({
      id: s.id.toLowerCase(),
      reservedInstancesEnabled: s.reservedInstancesEnabled === true,
    })),
    ...(c.indirectReseller === true ? { indirectReseller: true } : {}),
  };
}

/** A default companyProfile.domain: the company name's letters and digits, as a tenant's initial domain. */
function createCustomerDomain(companyName: string, id: string): string {
  const label = companyName
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 27);
  return `${label === "" ? `customer${id.slice(0, 8).toLowerCase()}` : label}.onmicrosoft.com`;
}

/** What the route table (route-table.ts) found for a request. */
export interface RouteMatch {
  /** "METHOD /pattern", parameters in braces: the key of the request in the traffic stats. */
  readonly template: string;
  /** The pattern that matched, without the method. */
  readonly pattern: string;
  /** The path's parameters by name, as sent (not decoded). */
  readonly params: Readonly<Record<string, string>>;
  /** Whether the route counts against the rate windows (rate-windows.ts). */
  readonly rateLimited: boolean;
  /** Which customers' requests on this route need an App+User token (route-table.ts). */
  readonly appUser: AppUserRule;
}

/**
 * Which requests of a route Partner Center refuses an app-only token: none, or those for a customer
 * of an indirect reseller (creating an order; docs/sandbox.md, "App+User routes").
 */
export type AppUserRule = "never" | "indirect-reseller-customers";

export type RouteHandler = (ctx: SandboxContext, exchange: Exchange, match: RouteMatch) => Promise<void>;
