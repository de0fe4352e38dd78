/**
 * The sandbox's one route table: every route it answers, as method + path pattern -> handler,
 * grouped in areas that own a part of the URL space and say what a miss is.
 *
 * Patterns: literal segments match exactly (case-sensitive); `{name}` matches one non-empty
 * segment; `{name?}` one segment that may be empty (its handler judges it); `{name*}` the rest of
 * the path, slashes included. Parameters are handed over as sent, not decoded. The pattern with the
 * markers dropped, after the method ("GET /v1/customers/{customerId}/orders"), is the route's
 * template: the key of its traffic in GET /_sandbox/stats.
 *
 * Dispatch: the first area that claims the path decides; within it, a route whose pattern and
 * method match handles the request; a pattern match with another method goes to the area's
 * method-not-allowed handler, no match at all to its not-found handler. A path no area claims is
 * 404 1000. See docs/sandbox.md for the routes' contracts.
 */
import type { AppUserRule, Exchange, RouteHandler, RouteMatch, SandboxContext } from "./context.js";
import {
  handleAddCustomers,
  handleAddPartners,
  handleAdminNotFound,
  handleGetFaults,
  handleHealth,
  handleGetAdminSubscription,
  handleInsertOrders,
  handleListAllOrders,
  handlePatchAdminSubscription,
  handlePatchOrder,
  handlePutFaults,
  handleReset,
  handleStats,
} from "./admin-api.js";
import { handleAddApps } from "./apps.js";
import { handleCreateOrder } from "./create-order.js";
import { handleGetCustomer, handleListCustomers } from "./customer-routes.js";
import { handleUpdateOrder } from "./update-order.js";
import { handleToken, handleTokenMethodNotAllowed } from "./oauth.js";
import { createApiError } from "./order-request.js";
import {
  handleActivationLinks,
  handleGetOrder,
  handleListOrders,
  handleOrderMethodNotAllowed,
  handleOrderRouteNotFound,
  handleProvisioningStatus,
} from "./order-routes.js";
import { sendApiError } from "./respond.js";
import {
  handleIssuerDiscovery,
  handleIssuerKeys,
  handleIssuerMint,
  handleIssuerRequestToken,
  handleIssuerToken,
  ISSUER_PATH,
} from "./test-issuer.js";
import {
  handleGetSubscription,
  handleListSubscriptions,
  handlePatchSubscription,
} from "./subscription-routes.js";

interface RouteSpec {
  method: string;
  pattern: string;
  handler: RouteHandler;
  /** Counts against the rate windows (rate-windows.ts); order routes only. */
  rateLimited?: boolean;
  /** Which requests refuse an app-only token (order-routes.ts); "never" when absent. */
  appUser?: AppUserRule;
}

interface AreaSpec {
  name: string;
  /** Whether paths of this shape are this area's; undefined: any path one of its routes matches. */
  prefix?: string;
  routes: RouteSpec[];
  handleNotFound: RouteHandler;
  handleMethodNotAllowed: RouteHandler;
}

const ORDERS = "/v1/customers/{customerId}/orders";
const ORDER = `${ORDERS}/{orderId}`;
const SUBSCRIPTIONS = "/v1/customers/{customerId}/subscriptions";
const SUBSCRIPTION = `${SUBSCRIPTIONS}/{subscriptionId}`;

const AREAS: AreaSpec[] = [
  {
    name: "admin",
    prefix: "/_sandbox/",
    routes: [
      { method: "GET", pattern: "/_sandbox/health", handler: handleHealth },
      { method: "POST", pattern: "/_sandbox/partners", handler: handleAddPartners },
      { method: "POST", pattern: "/_sandbox/customers", handler: handleAddCustomers },
      { method: "GET", pattern: "/_sandbox/orders", handler: handleListAllOrders },
      { method: "POST", pattern: "/_sandbox/orders", handler: handleInsertOrders },
      { method: "PATCH", pattern: "/_sandbox/orders/{id*}", handler: handlePatchOrder },
      { method: "GET", pattern: "/_sandbox/subscriptions/{id*}", handler: handleGetAdminSubscription },
      { method: "PATCH", pattern: "/_sandbox/subscriptions/{id*}", handler: handlePatchAdminSubscription },
      { method: "PUT", pattern: "/_sandbox/faults", handler: handlePutFaults },
      { method: "GET", pattern: "/_sandbox/faults", handler: handleGetFaults },
      { method: "GET", pattern: "/_sandbox/stats", handler: handleStats },
      { method: "POST", pattern: "/_sandbox/reset", handler: handleReset },
      { method: "POST", pattern: "/_sandbox/apps", handler: handleAddApps },
      {
        method: "GET",
        pattern: `${ISSUER_PATH}/.well-known/openid-configuration`,
        handler: handleIssuerDiscovery,
      },
      { method: "GET", pattern: `${ISSUER_PATH}/jwks`, handler: handleIssuerKeys },
      { method: "POST", pattern: `${ISSUER_PATH}/request-tokens`, handler: handleIssuerRequestToken },
      { method: "GET", pattern: `${ISSUER_PATH}/token`, handler: handleIssuerToken },
      { method: "POST", pattern: `${ISSUER_PATH}/tokens`, handler: handleIssuerMint },
    ],
    handleNotFound: handleAdminNotFound,
    handleMethodNotAllowed: handleAdminNotFound,
  },
  {
    name: "oauth",
    routes: [
      { method: "POST", pattern: "/{tenant}/oauth2/token", handler: handleToken },
      { method: "POST", pattern: "/{tenant}/oauth2/v2.0/token", handler: handleToken },
    ],
    handleNotFound: handleUnknownPath,
    handleMethodNotAllowed: handleTokenMethodNotAllowed,
  },
  {
    name: "orders",
    prefix: "/v1/",
    routes: [
      // The Customer resource has the same rate limit as orders (customer-resources).
      { method: "GET", pattern: "/v1/customers", handler: handleListCustomers, rateLimited: true },
      { method: "GET", pattern: "/v1/customers/{customerId}", handler: handleGetCustomer, rateLimited: true },
      // Orders for a customer of an indirect reseller need App+User (docs/sandbox.md, "App+User routes").
      {
        method: "POST",
        pattern: ORDERS,
        handler: handleCreateOrder,
        rateLimited: true,
        appUser: "indirect-reseller-customers",
      },
      { method: "GET", pattern: ORDERS, handler: handleListOrders, rateLimited: true },
      { method: "GET", pattern: ORDER, handler: handleGetOrder, rateLimited: true },
      { method: "PATCH", pattern: ORDER, handler: handleUpdateOrder, rateLimited: true },
      {
        method: "GET",
        pattern: `${ORDER}/provisioningstatus`,
        handler: handleProvisioningStatus,
        rateLimited: true,
      },
      {
        method: "GET",
        pattern: `${ORDER}/lineitems/{lineItemNumber?}/activationlinks`,
        handler: handleActivationLinks,
        rateLimited: true,
      },
      { method: "GET", pattern: SUBSCRIPTIONS, handler: handleListSubscriptions },
      // The Subscription resource has the same rate limit as orders (subscription-resources).
      { method: "GET", pattern: SUBSCRIPTION, handler: handleGetSubscription, rateLimited: true },
      { method: "PATCH", pattern: SUBSCRIPTION, handler: handlePatchSubscription, rateLimited: true },
    ],
    handleNotFound: handleOrderRouteNotFound,
    handleMethodNotAllowed: handleOrderMethodNotAllowed,
  },
];

interface CompiledRoute {
  spec: RouteSpec;
  regex: RegExp;
  names: string[];
  /** The pattern without the parameter markers. */
  template: string;
}

interface CompiledArea {
  spec: AreaSpec;
  routes: CompiledRoute[];
}

const COMPILED: CompiledArea[] = AREAS.map((area) => ({
  spec: area,
  routes: area.routes.map(createCompiledRoute),
}));

/** The handler for a request and what it matched. */
export function findRoute(method: string, path: string): { handler: RouteHandler; match: RouteMatch } {
  for (const area of COMPILED) {
    const prefix = area.spec.prefix;
    if (prefix !== undefined && !path.startsWith(prefix)) continue;
    let pathMatch: { route: CompiledRoute; params: Record<string, string> } | undefined;
    let found: { route: CompiledRoute; params: Record<string, string> } | undefined;
    for (const route of area.routes) {
      const params = matchRoute(route, path);
      if (params === undefined) continue;
      pathMatch ??= { route, params };
      if (route.spec.method === method) {
        found = { route, params };
        break;
      }
    }
    if (prefix === undefined && pathMatch === undefined) continue;
    if (found !== undefined) {
      return {
        handler: found.route.spec.handler,
        match: createRouteMatch(method, found.route, found.params),
      };
    }
    if (pathMatch !== undefined) {
      return {
        handler: area.spec.handleMethodNotAllowed,
        match: createRouteMatch(method, pathMatch.route, pathMatch.params),
      };
    }
    return { handler: area.spec.handleNotFound, match: createMissMatch(method, path) };
  }
  return { handler: handleUnknownPath, match: createMissMatch(method, path) };
}

/** A path outside every area. */
async function handleUnknownPath(ctx: SandboxContext, exchange: Exchange): Promise<void> {
  sendApiError(ctx, exchange, "unknown", createApiError(404, "1000", `Not found: ${exchange.path}`));
}

function createCompiledRoute(spec: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = spec.pattern.replace(
    /\{(\w+)([?*]?)\}|[^{]+/g,
    (part, name: string | undefined, kind: string) => {
      if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(name);
      return kind === "*" ? "(.*)" : kind === "?" ? "([^/]*)" : "([^/]+)";
    },
  );
  return {
    spec,
    regex: new RegExp(`^${source}$`),
    names,
    template: spec.pattern.replace(/\{(\w+)[?*]\}/g, "{$1}"),
  };
}

function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  const found = route.regex.exec(path);
  if (found === null) return undefined;
  const params: Record<string, string> = {};
  route.names.forEach((name, index) => {
    params[name] = found[index + 1] ?? "";
  });
  return params;
}

function createRouteMatch(method: string, route: CompiledRoute, params: Record<string, string>): RouteMatch {
  return {
    template: `${method} ${route.template}`,
    pattern: route.template,
    params,
    rateLimited: route.spec.rateLimited === true,
    appUser: route.spec.appUser ?? "never",
  };
}

function createMissMatch(method: string, path: string): RouteMatch {
  return { template: `${method} ${path}`, pattern: path, params: {}, rateLimited: false, appUser: "never" };
}
