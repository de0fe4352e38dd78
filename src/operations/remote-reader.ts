/**
 * The reads of a plan's remote side, each started as soon as what it needs is known: plan lists
 * the customers its state records while the order files still load, then the customers only the
 * declarations name (docs/performance.md, "Plan cost"). Every read goes through one queue, at most
 * `parallelism` at a time, and every request still passes the client's shared rate limiter.
 *
 * Fail fast (docs/sign-in.md): the client signs in once, before the first read, and a sign-in or
 * authorization failure (an auth.* error, a 401, or a 403 that refuses the credentials) stops the
 * other reads; `finish` then throws that one error. So does an abort of `signal` (the first
 * Ctrl-C): `finish` throws its reason, once, and no read starts after it. Any other failure is kept
 * for the caller to report as a diagnostic of the customer or order it concerns.
 */
import { OrderformError } from "../core/errors.js";
import { createStringPool, internRemoteLists } from "../core/intern.js";
import type { RemoteOrder, RemoteSnapshot, RemoteSubscription, StateFile } from "../core/model.js";
import {
  PartnerCenterError,
  createCredentialsRefusal,
  selectRefusalScope,
} from "../partner-center/errors.js";
import type { PartnerCenterClient, Subscription } from "../partner-center/types.js";

export interface RemoteReaderInput {
  client: PartnerCenterClient;
  /** Subscriptions are listed only for customers with placed orders in state (seat drift). */
  state: StateFile | null;
  parallelism: number;
  signal?: AbortSignal;
  /** One more customer's lists were read (or failed), of `total` queued so far. */
  onProgress?: (done: number, total: number) => void;
}

/** A read that failed without stopping the run. */
export interface ReadFailure {
  what: string;
  error: unknown;
  /** The customer whose list failed; absent for names and orders read by id. */
  listed?: string;
}

/** What the reads found; filled in as they finish. */
export interface RemoteReads {
  lists: Record<string, RemoteOrder[]>;
  subscriptions: Record<string, RemoteSubscription[]>;
  byId: RemoteSnapshot["byId"];
  companyNames: Record<string, string>;
  /** Customers whose company name Partner Center does not know (the tenant is no customer). */
  unknown: string[];
  failures: ReadFailure[];
}

export interface RemoteReader {
  /** Queues the lists of each customer not queued before: orders, and subscriptions where state records placed orders. */
  startListing(customers: readonly string[]): void;
  /** Queues a read of each customer's company name. */
  startNaming(customers: readonly string[]): void;
  /** Queues a read of each order by id. */
  startFetching(orders: readonly { customer: string; orderId: string }[]): void;
  /** Waits for every queued read; throws the failure that stopped them, if one did. */
  finish(): Promise<RemoteReads>;
  /** Stops every read (the run ends before it plans): queued reads never start. */
  stop(reason: unknown): void;
}

export function createRemoteReader(input: RemoteReaderInput): RemoteReader {
  const { client } = input;
  const placed = new Set(Object.values(input.state?.orders ?? {}).map((o) => o.customer.toLowerCase()));
  const reads: RemoteReads = {
    lists: {},
    subscriptions: {},
    byId: {},
    companyNames: {},
    unknown: [],
    failures: [],
  };
  // The values every customer's lists repeat, one copy each (src/core/intern.ts).
  const shared = createStringPool();
  const queued = new Set<string>();
  const stopper = new AbortController();
  const signal =
    input.signal === undefined ? stopper.signal : AbortSignal.any([input.signal, stopper.signal]);
  let stopping: { error: unknown } | undefined;
  let signedIn: Promise<void> | undefined;
  let listedTotal = 0;
  let listedDone = 0;

  const tasks: (() => Promise<void>)[] = [];
  let next = 0;
  let active = 0;
  const idle: (() => void)[] = [];

  /** Whether the caller's signal stopped the run (its own `stop` aside). */
  const isInterrupted = (): boolean => input.signal?.aborted === true;

  /** Whether `error` ends the run; the first such error is kept and the other reads stopped. */
  const stopOnRefusal = (error: unknown, what: string): boolean => {
    if (stopping !== undefined) return true;
    const refused = selectAuthorizationFailure(error, what);
    if (refused === undefined) return false;
    stopping = { error: refused };
    stopper.abort(refused);
    return true;
  };

  const run = (what: string, read: () => Promise<void>, listed?: string): void => {
    tasks.push(async () => {
      if (stopping !== undefined || isInterrupted()) return;
      try {
        signedIn ??= client.signIn({ signal });
        await signedIn;
      } catch (error) {
        // The sign-in's own error, as it is: nothing was read.
        if (stopping === undefined) {
          stopping = { error };
          stopper.abort(error);
        }
        return;
      }
      try {
        await read();
      } catch (error) {
        // An interrupted run ends with the interrupt alone (`finish`), not a diagnostic per read.
        if (isInterrupted()) return;
        if (!stopOnRefusal(error, what))
          reads.failures.push({ what, error, ...(listed === undefined ? {} : { listed }) });
      }
    });
    pump();
  };

  function pump(): void {
    while (active < input.parallelism && next < tasks.length) {
      const task = tasks[next] as () => Promise<void>;
      tasks[next] = noop; // let the finished closure go
      next += 1;
      active += 1;
      void task().then(() => {
        active -= 1;
        pump();
        if (active === 0 && next === tasks.length) {
          tasks.length = 0;
          next = 0;
          for (const resolve of idle.splice(0)) resolve();
        }
      });
    }
  }

  return {
    startListing(customers) {
      for (const customer of customers) {
        if (queued.has(customer)) continue;
        queued.add(customer);
        listedTotal += 1;
        run(
          `listing the orders of customer ${customer}`,
          async () => {
            try {
              // Both settle before the read counts as done, so that a failed order list does not
              // leave its subscription list running past the `parallelism` bound or past `finish`.
              const [listed, subscribed] = await Promise.allSettled([
                client.listOrders(customer, { signal }),
                placed.has(customer.toLowerCase())
                  ? client.listSubscriptions(customer, { signal })
                  : undefined,
              ]);
              if (listed.status === "rejected") throw listed.reason;
              if (subscribed.status === "rejected") throw subscribed.reason;
              const orders = listed.value;
              const subs = subscribed.value;
              const mapped = subs?.map(mapSubscription);
              internRemoteLists(customer, orders, mapped, shared);
              reads.lists[customer] = orders;
              if (mapped !== undefined) reads.subscriptions[customer] = mapped;
            } finally {
              listedDone += 1;
              input.onProgress?.(listedDone, listedTotal);
            }
          },
          customer,
        );
      }
    },
    startNaming(customers) {
      for (const customer of customers) {
        run(`reading customer ${customer}`, async () => {
          const found = await client.getCustomer(customer, { signal });
          if (found === null) reads.unknown.push(customer);
          else reads.companyNames[customer] = found.companyName;
        });
      }
    },
    startFetching(orders) {
      for (const { customer, orderId } of orders) {
        run(`reading order ${orderId} of customer ${customer}`, async () => {
          reads.byId[orderId] = await client.getOrder(customer, orderId, { signal });
        });
      }
    },
    async finish() {
      if (active > 0 || next < tasks.length) await new Promise<void>((resolve) => idle.push(resolve));
      if (stopping !== undefined) throw stopping.error;
      if (isInterrupted()) throw input.signal?.reason;
      return reads;
    },
    stop(reason) {
      stopping ??= { error: reason };
      stopper.abort(reason);
    },
  };
}

async function noop(): Promise<void> {}

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
