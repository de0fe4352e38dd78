/**
 * Fetching the remote side of a plan: each needed customer's order list, in parallel up to
 * --parallelism (all requests pass the client's shared rate limiter), then GET by id only for state
 * orders missing from their list beyond the visibility window. One list request per customer and none
 * per order when the lists are complete (docs/planning.md, "Looking at Partner Center").
 */
import type { Diagnostic } from "../core/errors.js";
import { createDiagnostic, OrderformError } from "../core/errors.js";
import type { DesiredOrder, RemoteSnapshot, StateFile } from "../core/model.js";
import { compareStrings } from "../core/compare.js";
import { selectCustomersToList, selectOrdersToFetch } from "../core/planner.js";
import type { PartnerCenterClient } from "../partner-center/types.js";

export interface FetchRemoteInput {
  client: PartnerCenterClient;
  desired: DesiredOrder[];
  state: StateFile | null;
  now: string;
  customers: string[];
  visibilityWindowMs: number;
  parallelism: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /**
   * A listing already started with the customers of `state` (selectCustomersToList([], state)):
   * plan lists them while the order files load. Only the declarations' customers are added then.
   */
  lister?: CustomerLister;
}

/**
 * Lists customers' orders in the background, at most `parallelism` requests at a time. Each
 * customer is listed once however often it is added; failures become diagnostics.
 */
export interface CustomerLister {
  add(customers: readonly string[]): void;
  /** Resolves when every customer added so far has been listed (or failed). */
  settle(): Promise<void>;
  /** Lists nothing more; the requests in flight finish. */
  stop(): void;
  readonly lists: RemoteSnapshot["lists"];
  readonly diagnostics: Diagnostic[];
  onProgress?: (done: number, total: number) => void;
}

export function startCustomerLister(input: {
  client: PartnerCenterClient;
  parallelism: number;
  signal?: AbortSignal;
}): CustomerLister {
  const queue: string[] = [];
  const seen = new Set<string>();
  const waiters: (() => void)[] = [];
  let next = 0;
  let active = 0;
  let done = 0;
  const limit = Math.max(1, input.parallelism);
  const wake = (): void => {
    if (active === 0 && next >= queue.length) for (const resolve of waiters.splice(0)) resolve();
  };
  const listOne = async (customer: string): Promise<void> => {
    try {
      lister.lists[customer] = await input.client.listOrders(customer, { signal: input.signal });
    } catch (error) {
      lister.diagnostics.push(createFetchDiagnostic(`listing the orders of customer ${customer}`, error));
    }
  };
  const pump = (): void => {
    while (active < limit && next < queue.length) {
      const customer = queue[next++] as string;
      active += 1;
      // Not awaited: `pump` keeps `limit` listings in flight and `wake` reports each one; listOne
      // catches its own failures into diagnostics, so this chain cannot reject.
      void listOne(customer).then(() => {
        active -= 1;
        done += 1;
        lister.onProgress?.(done, queue.length);
        pump();
        wake();
      });
    }
  };
  const lister: CustomerLister = {
    lists: {},
    diagnostics: [],
    add(customers) {
      for (const customer of customers) {
        if (seen.has(customer)) continue;
        seen.add(customer);
        queue.push(customer);
      }
      pump();
    },
    settle() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        wake();
      });
    },
    stop() {
      queue.length = next;
      wake();
    },
  };
  return lister;
}

export async function fetchRemoteSnapshot(
  input: FetchRemoteInput,
): Promise<{ remote: RemoteSnapshot; diagnostics: Diagnostic[] }> {
  const options = { customers: input.customers, replace: [], visibilityWindowMs: input.visibilityWindowMs };
  const lister =
    input.lister ??
    startCustomerLister({ client: input.client, parallelism: input.parallelism, signal: input.signal });
  lister.onProgress = input.onProgress;
  // A lister passed in holds the state's customers already: 20,000 state orders less to walk.
  lister.add(selectCustomersToList(input.desired, input.lister === undefined ? input.state : null, options));
  await lister.settle();
  const remote: RemoteSnapshot = { lists: lister.lists, byId: {} };
  const diagnostics: Diagnostic[] = lister.diagnostics;

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
  // Diagnostics in code-unit order (not the machine's locale), so that output is stable. The
  // lists' key order matters to nothing: the planner looks customers up by id.
  return { remote, diagnostics: diagnostics.sort((a, b) => compareStrings(a.message, b.message)) };
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
