/**
 * Fetching the remote side of a plan: each needed customer's order list, in parallel up to
 * --parallelism (all requests pass the client's shared rate limiter), then GET by id only for state
 * orders missing from their list beyond the visibility window. One list request per customer and none
 * per order when the lists are complete (docs/planning.md, "Looking at Partner Center").
 *
 * Fail fast (docs/sign-in.md): the client signs in once before the first list, and a sign-in or
 * authorization failure (an auth.* error, a 401, or a 403 that refuses the credentials) during the
 * reads stops the others and throws one error, instead of one diagnostic per customer. A 403 about
 * one customer (no relationship, agreement not accepted, account under review) is that customer's
 * diagnostic; the others are planned.
 */
import type { Diagnostic } from "../core/errors.js";
import { createDiagnostic, OrderformError } from "../core/errors.js";
import type { DesiredOrder, RemoteSnapshot, RemoteSubscription, StateFile } from "../core/model.js";
import { compareStrings } from "../core/compare.js";
import { selectCustomersToName } from "../core/customer-names.js";
import { selectCustomersToList, selectCustomersWithWork, selectOrdersToFetch } from "../core/plan-scope.js";
import type { PlanRefresh } from "../core/plan.js";
import {
  PartnerCenterError,
  createCredentialsRefusal,
  selectRefusalScope,
} from "../partner-center/errors.js";
import type { PartnerCenterClient, Subscription } from "../partner-center/types.js";
import { runPool } from "./run-pool.js";

export interface FetchRemoteInput {
  client: PartnerCenterClient;
  desired: DesiredOrder[];
  state: StateFile | null;
  now: string;
  customers: string[];
  /** --replace names: a `--refresh=false` plan lists their customers too. */
  replace: string[];
  /** "skipped" lists only the customers with work (docs/planning.md, "Refresh"). */
  refresh: PlanRefresh;
  visibilityWindowMs: number;
  parallelism: number;
  signal?: AbortSignal;
  /** One more customer's list was read (or failed), of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export async function fetchRemoteSnapshot(
  input: FetchRemoteInput,
): Promise<{ remote: RemoteSnapshot; diagnostics: Diagnostic[] }> {
  const options = {
    customers: input.customers,
    replace: input.replace,
    visibilityWindowMs: input.visibilityWindowMs,
  };
  const remote: RemoteSnapshot = { lists: {}, byId: {} };
  const diagnostics: Diagnostic[] = [];
  const customers =
    input.refresh === "skipped"
      ? selectCustomersWithWork({ desired: input.desired, state: input.state, now: input.now, options })
      : selectCustomersToList(input.desired, input.state, options);
  // Names first (docs/planning.md, "Customer names"): a tenant id that is not the partner's
  // customer is one diagnostic. Its list is still requested, so that another partner's customer
  // (403) stops the run as an authorization failure, as it did before names were read; any other
  // failure of that list adds nothing to the diagnostic.
  const toName =
    input.refresh === "only"
      ? []
      : selectCustomersToName({ desired: input.desired, state: input.state, customers: input.customers });
  const unknown = new Set<string>();
  // Subscriptions only where state records placed orders: their seats are what can drift or change.
  const placed = new Set(Object.values(input.state?.orders ?? {}).map((o) => o.customer.toLowerCase()));
  const subscriptions: Record<string, RemoteSubscription[]> = {};
  let listed = 0;
  if (customers.length > 0) await input.client.signIn({ signal: input.signal });
  const stop = new AbortController();
  const signal = input.signal === undefined ? stop.signal : AbortSignal.any([input.signal, stop.signal]);
  let refused: OrderformError | undefined;
  /** Whether `error` ends the run; the first such error is kept and the other reads stopped. */
  const stopOnRefusal = (error: unknown, what: string): boolean => {
    if (refused !== undefined) return true;
    refused = selectAuthorizationFailure(error, what);
    if (refused === undefined) return false;
    stop.abort(refused);
    return true;
  };
  const companyNames: Record<string, string> = {};
  await runPool(toName, input.parallelism, async (customer) => {
    if (refused !== undefined) return;
    try {
      const found = await input.client.getCustomer(customer, { signal });
      if (found !== null) companyNames[customer] = found.companyName;
      else {
        unknown.add(customer);
        diagnostics.push(createUnknownCustomerDiagnostic(customer, input.desired));
      }
    } catch (error) {
      const what = `reading customer ${customer}`;
      if (!stopOnRefusal(error, what)) diagnostics.push(createFetchDiagnostic(what, error));
    }
  });
  if (refused !== undefined) throw refused;
  if (Object.keys(companyNames).length > 0) remote.companyNames = companyNames;

  await runPool(customers, input.parallelism, async (customer) => {
    if (refused !== undefined) return;
    try {
      const [orders, subs] = await Promise.all([
        input.client.listOrders(customer, { signal }),
        placed.has(customer.toLowerCase())
          ? input.client.listSubscriptions(customer, { signal })
          : Promise.resolve(undefined),
      ]);
      remote.lists[customer] = orders;
      if (subs !== undefined) subscriptions[customer] = subs.map(mapSubscription);
    } catch (error) {
      const what = `listing the orders of customer ${customer}`;
      if (!stopOnRefusal(error, what) && !unknown.has(customer))
        diagnostics.push(createFetchDiagnostic(what, error));
    }
    listed += 1;
    input.onProgress?.(listed, customers.length);
  });

  const lookups = selectOrdersToFetch({
    desired: input.desired,
    state: input.state,
    lists: remote.lists,
    now: input.now,
    options,
  });
  if (refused !== undefined) throw refused;
  await runPool(lookups, input.parallelism, async ({ customer, orderId }) => {
    if (refused !== undefined) return;
    try {
      remote.byId[orderId] = await input.client.getOrder(customer, orderId, { signal });
    } catch (error) {
      const what = `reading order ${orderId} of customer ${customer}`;
      if (!stopOnRefusal(error, what)) diagnostics.push(createFetchDiagnostic(what, error));
    }
  });
  if (refused !== undefined) throw refused;
  if (Object.keys(subscriptions).length > 0) remote.subscriptions = subscriptions;
  // Diagnostics in code-unit order (not the machine's locale), so that output is stable. The
  // lists' key order matters to nothing: the planner looks customers up by id.
  return { remote, diagnostics: diagnostics.sort((a, b) => compareStrings(a.message, b.message)) };
}

function mapSubscription(sub: Subscription): RemoteSubscription {
  return {
    id: sub.id,
    quantity: sub.quantity,
    status: sub.status,
    ...(sub.orderId === undefined ? {} : { orderId: sub.orderId }),
    ...(sub.offerId === undefined ? {} : { offerId: sub.offerId }),
    ...(sub.cancellationAllowedUntilDate === undefined
      ? {}
      : { cancellationAllowedUntilDate: sub.cancellationAllowedUntilDate }),
  };
}

/**
 * The error that stops the run when `error` is a sign-in or authorization failure: the token
 * endpoint's refusal as it is, or Partner Center's refusal of the credentials (selectRefusalScope).
 */
function selectAuthorizationFailure(error: unknown, what: string): OrderformError | undefined {
  if (error instanceof PartnerCenterError) {
    if (selectRefusalScope(error, "read") !== "credentials") return undefined;
    return createCredentialsRefusal(error, what, "stopped: nothing was planned or bought");
  }
  return error instanceof OrderformError && error.code.startsWith("auth.") ? error : undefined;
}

function createUnknownCustomerDiagnostic(customer: string, desired: readonly DesiredOrder[]): Diagnostic {
  const names = desired.filter((d) => d.customer.toLowerCase() === customer).map((d) => d.name);
  return createDiagnostic(
    "plan.unknown-customer",
    `customer ${customer} is not one of the partner's customers (Partner Center does not know the tenant id); ${names.length === 1 ? "its order" : `its ${names.length} orders`} (${names.join(", ")}) ${names.length === 1 ? "was" : "were"} not planned`,
    {
      hint: "Check the GUID in the order file's `customer:`: it is the customer's Microsoft Entra tenant id, as `orderform generate` or the Partner Center portal shows it.",
    },
  );
}

function createFetchDiagnostic(what: string, error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  const customerRefused = selectRefusalScope(error, "read") === "customer";
  return createDiagnostic(
    error instanceof OrderformError ? error.code : "remote.fetch-failed",
    `${what} failed: ${message}`,
    {
      hint: customerRefused
        ? "Partner Center refused this customer (relationship, agreement or account review); nothing was planned for it, the other customers were."
        : "Check the endpoint, credentials and the customer id; nothing was planned for it.",
    },
  );
}
