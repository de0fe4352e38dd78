/**
 * Fetching the remote side of a plan: each needed customer's order list, in parallel up to
 * --parallelism (all requests pass the client's shared rate limiter), then GET by id only for state
 * orders missing from their list beyond the visibility window. One list request per customer and none
 * per order when the lists are complete (docs/planning.md, "Looking at Partner Center").
 */
import type { Diagnostic } from "../core/errors.js";
import { createDiagnostic, OrderformError } from "../core/errors.js";
import type { DesiredOrder, RemoteSnapshot, RemoteSubscription, StateFile } from "../core/model.js";
import { compareStrings } from "../core/compare.js";
import { selectCustomersToList, selectCustomersWithWork, selectOrdersToFetch } from "../core/plan-scope.js";
import type { PlanRefresh } from "../core/plan.js";
import type { PartnerCenterClient, Subscription } from "../partner-center/types.js";

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
  // Subscriptions only where state records placed orders: their seats are what can drift or change.
  const placed = new Set(Object.values(input.state?.orders ?? {}).map((o) => o.customer.toLowerCase()));
  const subscriptions: Record<string, RemoteSubscription[]> = {};
  let listed = 0;
  await runPool(customers, input.parallelism, async (customer) => {
    try {
      const [orders, subs] = await Promise.all([
        input.client.listOrders(customer, { signal: input.signal }),
        placed.has(customer.toLowerCase())
          ? input.client.listSubscriptions(customer, { signal: input.signal })
          : Promise.resolve(undefined),
      ]);
      remote.lists[customer] = orders;
      if (subs !== undefined) subscriptions[customer] = subs.map(mapSubscription);
    } catch (error) {
      diagnostics.push(createFetchDiagnostic(`listing the orders of customer ${customer}`, error));
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
  await runPool(lookups, input.parallelism, async ({ customer, orderId }) => {
    try {
      remote.byId[orderId] = await input.client.getOrder(customer, orderId, { signal: input.signal });
    } catch (error) {
      diagnostics.push(createFetchDiagnostic(`reading order ${orderId} of customer ${customer}`, error));
    }
  });
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

function createFetchDiagnostic(what: string, error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  return createDiagnostic(
    error instanceof OrderformError ? error.code : "remote.fetch-failed",
    `${what} failed: ${message}`,
    {
      hint: "Check the endpoint, credentials and the customer id; nothing was planned for it.",
    },
  );
}

async function runPool<T>(
  items: readonly T[],
  parallelism: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const item = items[index];
      if (index >= items.length) return;
      await fn(item as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, items.length)) }, worker));
}
