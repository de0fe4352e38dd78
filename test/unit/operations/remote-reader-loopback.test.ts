/**
 * The reads of a plan's remote side (src/operations/remote-reader.ts) against the real sandbox over
 * 127.0.0.1: lists per customer (subscriptions only where state records placed orders), each
 * customer listed once however often it is queued, at most `parallelism` reads at a time, one lazy
 * sign-in, and fail fast (docs/sign-in.md): a refused sign-in or a 403 refusing the credentials
 * stops the other reads and is what `finish` throws; a failure about one customer is returned.
 * The client is the real one; the tests only wrap it to see which calls the reader makes.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { OrderformError } from "../../../src/core/errors.js";
import type { StateFile } from "../../../src/core/model.js";
import { createRemoteReader } from "../../../src/operations/remote-reader.js";
import { createPartnerCenterClient } from "../../../src/partner-center/client.js";
import { PartnerCenterError } from "../../../src/partner-center/errors.js";
import type { PartnerCenterClient } from "../../../src/partner-center/types.js";
import { SANDBOX_CUSTOMERS } from "../../../src/sandbox/defaults.js";
import { buildDesired, buildState, buildStateOrder } from "../core/builders.js";
import {
  CONTOSO,
  createSandboxTokenProvider,
  startLoopbackHarness,
  type LoopbackHarness,
} from "../partner-center/loopback-harness.js";

/** The sandbox's built-in customer of that name (src/sandbox/defaults.ts). */
function findCustomer(companyName: string): string {
  const found = SANDBOX_CUSTOMERS.find((c) => c.companyName.startsWith(companyName));
  if (found === undefined) throw new Error(`the sandbox has no customer ${companyName}`);
  return found.id;
}

const TAILSPIN = findCustomer("Tailspin");
const FABRIKAM = findCustomer("Fabrikam");
const NORTHWIND = findCustomer("Northwind");
/** A customer of the sandbox's second partner: 403 20002 (no relationship) for the first. */
const LITWARE = findCustomer("Litware");
/** The first partner's five customers, Contoso first. */
const BUILT_IN = SANDBOX_CUSTOMERS.filter((c) => c.partnerTenantId === undefined).map((c) => c.id);
const BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0K59S";
const ORDERS_ROUTE = "GET /v1/customers/{customerId}/orders";
const SUBSCRIPTIONS_ROUTE = "GET /v1/customers/{customerId}/subscriptions";

/** The real client, with the calls the reader makes to it counted. */
interface CountedClient {
  client: PartnerCenterClient;
  signIns: number;
  /** The customers whose orders were asked for, in order. */
  listed: string[];
  inFlight: number;
  mostInFlight: number;
  /** Called as each list of orders is asked for. */
  onList?: (customer: string) => void;
}

function countCalls(client: PartnerCenterClient): CountedClient {
  const counted: CountedClient = { client, signIns: 0, listed: [], inFlight: 0, mostInFlight: 0 };
  counted.client = Object.assign(Object.create(client) as PartnerCenterClient, {
    signIn: (options?: Parameters<PartnerCenterClient["signIn"]>[0]) => {
      counted.signIns += 1;
      return client.signIn(options);
    },
    listOrders: async (customer: string, options?: Parameters<PartnerCenterClient["listOrders"]>[1]) => {
      counted.listed.push(customer);
      counted.inFlight += 1;
      counted.mostInFlight = Math.max(counted.mostInFlight, counted.inFlight);
      try {
        const listing = client.listOrders(customer, options);
        counted.onList?.(customer);
        return await listing;
      } finally {
        counted.inFlight -= 1;
      }
    },
  });
  return counted;
}

/** Completed Business Basic orders placed for each of `customers`; their ids by customer. */
async function seedOrders(h: LoopbackHarness, customers: string[]): Promise<Record<string, string>> {
  const seeded = await h.admin<{ items: { order: { id: string } }[] }>(
    "POST",
    "/_sandbox/orders",
    customers.map((customer) => ({
      customer,
      creationDate: new Date(Date.now() - 3_600_000).toISOString(),
      billingCycle: "monthly",
      lineItems: [{ lineItemNumber: 0, offerId: BASIC, quantity: 2, termDuration: "P1M" }],
    })),
  );
  return Object.fromEntries(customers.map((customer, i) => [customer, seeded.items[i]?.order.id ?? ""]));
}

/** State that records one placed order for each of `customers` (as given, case included). */
function buildStateOf(customers: string[]): StateFile {
  const orders = customers.map((customer, i) => buildStateOrder(buildDesired(`placed/${i}`, { customer })));
  return buildState({ orders: Object.fromEntries(orders.map((o) => [o.name, o])) });
}

/** Requests the sandbox answered per status on `route`, since it started. */
async function readRouteCounts(h: LoopbackHarness, route: string): Promise<Record<string, number>> {
  const stats = await h.admin<{ routes: Record<string, Record<string, number>> }>("GET", "/_sandbox/stats");
  return stats.routes[route] ?? {};
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("finish() resolved"),
    (error: unknown) => error,
  );
}

describe("createRemoteReader", () => {
  it("lists the orders of every queued customer, and subscriptions only where state records placed orders", async () => {
    const h = await startLoopbackHarness();
    const ids = await seedOrders(h, [CONTOSO, CONTOSO, FABRIKAM]);
    const counted = countCalls(h.client);
    // State records Contoso in capitals: placed orders are matched whatever the case.
    const state = buildStateOf([CONTOSO.toUpperCase()]);
    const progress: [number, number][] = [];
    const reader = createRemoteReader({
      client: counted.client,
      state,
      parallelism: 4,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(counted.signIns).toBe(0); // lazily, before the first read
    reader.startListing([CONTOSO, FABRIKAM, TAILSPIN]);
    const reads = await reader.finish();
    expect(counted.signIns).toBe(1);
    expect(reads.failures).toEqual([]);
    expect(Object.keys(reads.lists).sort()).toEqual([CONTOSO, FABRIKAM, TAILSPIN].sort());
    expect(reads.lists[CONTOSO]).toEqual(await h.client.listOrders(CONTOSO));
    expect(reads.lists[FABRIKAM]?.map((o) => o.id)).toEqual([ids[FABRIKAM]]);
    expect(reads.lists[TAILSPIN]).toEqual([]);
    expect(Object.keys(reads.subscriptions)).toEqual([CONTOSO]);
    const subscriptions = reads.subscriptions[CONTOSO] ?? [];
    expect(subscriptions).toHaveLength(2);
    // Each subscription names its order by the id the order list gives it.
    expect(subscriptions.map((s) => s.orderId).sort()).toEqual(reads.lists[CONTOSO]?.map((o) => o.id).sort());
    expect(subscriptions[0]).toMatchObject({ quantity: 2, status: "active", offerId: BASIC });
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(await readRouteCounts(h, SUBSCRIPTIONS_ROUTE)).toEqual({ "200": 1 });
  });

  it("lists a customer queued twice, or again after finish, once", async () => {
    const h = await startLoopbackHarness();
    const counted = countCalls(h.client);
    const reader = createRemoteReader({
      client: counted.client,
      state: buildStateOf([FABRIKAM]),
      parallelism: 2,
    });
    reader.startListing([CONTOSO, FABRIKAM]);
    reader.startListing([FABRIKAM, TAILSPIN, CONTOSO]);
    await reader.finish();
    reader.startListing([TAILSPIN, NORTHWIND]);
    const reads = await reader.finish();
    expect(Object.keys(reads.lists).sort()).toEqual([CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN].sort());
    expect(counted.listed.sort()).toEqual([CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN].sort());
    expect(await readRouteCounts(h, ORDERS_ROUTE)).toEqual({ "200": 4 });
    expect(await readRouteCounts(h, SUBSCRIPTIONS_ROUTE)).toEqual({ "200": 1 });
    expect(counted.signIns).toBe(1);
  });

  it("never has more than `parallelism` lists in flight", async () => {
    const h = await startLoopbackHarness();
    // Slow lists, so that every read started overlaps the ones still waiting for their answer.
    await h.admin("PUT", "/_sandbox/faults", {
      latency: { fixedMs: 20, route: { method: "GET", pathPattern: "/orders$" } },
    });
    for (const parallelism of [1, 3]) {
      const counted = countCalls(h.client);
      const reader = createRemoteReader({ client: counted.client, state: null, parallelism });
      reader.startListing(BUILT_IN);
      const reads = await reader.finish();
      expect(Object.keys(reads.lists)).toHaveLength(BUILT_IN.length);
      expect(counted.mostInFlight, `parallelism ${parallelism}`).toBe(parallelism);
    }
  });

  it("a refused sign-in is what finish throws, once, and no list is asked for", async () => {
    const h = await startLoopbackHarness();
    const refused = createPartnerCenterClient({
      baseUrl: h.url,
      tokenProvider: createSandboxTokenProvider(h.url, "not-the-secret"),
    });
    onTestFinished(() => refused.close());
    const counted = countCalls(refused);
    const reader = createRemoteReader({
      client: counted.client,
      state: buildStateOf([CONTOSO]),
      parallelism: 3,
    });
    reader.startListing(BUILT_IN);
    const error = await catchError(reader.finish());
    expect(error).toBeInstanceOf(OrderformError);
    expect(error).toMatchObject({ code: "auth.token-failed" });
    expect((error as Error).message).toContain("AADSTS7000215");
    expect(counted.signIns).toBe(1);
    expect(counted.listed).toEqual([]);
    expect(await readRouteCounts(h, ORDERS_ROUTE)).toEqual({});
  });

  it("stop() before the queue drains: the queued reads never start, and finish throws the reason", async () => {
    const h = await startLoopbackHarness();
    const counted = countCalls(h.client);
    const reader = createRemoteReader({ client: counted.client, state: null, parallelism: 1 });
    const reason = new Error("plan ended before its reads");
    counted.onList = () => reader.stop(reason);
    reader.startListing(BUILT_IN);
    expect(await catchError(reader.finish())).toBe(reason);
    expect(counted.listed).toEqual([CONTOSO]);
    // The one read under way was stopped too: at most its request reached the sandbox.
    const answered = await readRouteCounts(h, ORDERS_ROUTE);
    expect(Object.values(answered).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
  });

  it("a 403 refusing the credentials stops the other reads; finish throws auth.unauthorized", async () => {
    const h = await startLoopbackHarness();
    await h.admin("PUT", "/_sandbox/faults", {
      errorRate: { probability: 1, status: 403, route: { method: "GET", pathPattern: "/orders$" } },
    });
    const counted = countCalls(h.client);
    const reader = createRemoteReader({ client: counted.client, state: null, parallelism: 2 });
    reader.startListing(BUILT_IN);
    const error = await catchError(reader.finish());
    expect(error).toMatchObject({ code: "auth.unauthorized" });
    expect((error as Error).message).toContain(`listing the orders of customer ${CONTOSO} failed`);
    // The two reads started together; the three queued behind them never started.
    expect(counted.listed).toEqual([CONTOSO, TAILSPIN]);
    // The second may be stopped before it is sent; nothing but a 403 was answered.
    const answered = await readRouteCounts(h, ORDERS_ROUTE);
    expect(Object.keys(answered)).toEqual(["403"]);
    expect(answered["403"]).toBeLessThanOrEqual(2);
  });

  it("a failure about one customer is returned with the customer it listed; the others are read", async () => {
    const h = await startLoopbackHarness({
      client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 100 } },
    });
    // Fabrikam's list fails with a 500 on every attempt; Litware is another partner's (403 20002).
    await h.admin("PUT", "/_sandbox/faults", {
      errorRate: { probability: 1, status: 500, route: { pathPattern: `/customers/${FABRIKAM}/orders$` } },
    });
    const counted = countCalls(h.client);
    const reader = createRemoteReader({ client: counted.client, state: null, parallelism: 3 });
    reader.startListing([CONTOSO, FABRIKAM, LITWARE, TAILSPIN]);
    const reads = await reader.finish();
    expect(Object.keys(reads.lists).sort()).toEqual([CONTOSO, TAILSPIN].sort());
    const failures = reads.failures.map((f) => ({
      what: f.what,
      listed: f.listed,
      status: f.error instanceof PartnerCenterError ? f.error.httpStatus : f.error,
    }));
    expect(failures.sort((a, b) => a.what.localeCompare(b.what))).toEqual([
      { what: `listing the orders of customer ${FABRIKAM}`, listed: FABRIKAM, status: 500 },
      { what: `listing the orders of customer ${LITWARE}`, listed: LITWARE, status: 403 },
    ]);
  });

  it("a failed order list is done only when the customer's subscription list is too", async () => {
    const h = await startLoopbackHarness();
    // Litware's orders are refused at once (another partner's customer); its subscriptions slowly.
    await h.admin("PUT", "/_sandbox/faults", {
      latency: { fixedMs: 300, route: { method: "GET", pathPattern: "/subscriptions$" } },
    });
    let subscriptionsInFlight = 0;
    const client = Object.assign(Object.create(h.client) as PartnerCenterClient, {
      listSubscriptions: async (
        customer: string,
        options?: Parameters<PartnerCenterClient["listSubscriptions"]>[1],
      ) => {
        subscriptionsInFlight += 1;
        try {
          return await h.client.listSubscriptions(customer, options);
        } finally {
          subscriptionsInFlight -= 1;
        }
      },
    });
    const reader = createRemoteReader({ client, state: buildStateOf([LITWARE]), parallelism: 2 });
    reader.startListing([LITWARE]);
    const reads = await reader.finish();
    expect(subscriptionsInFlight).toBe(0);
    expect(reads.failures.map((f) => [f.what, f.listed])).toEqual([
      [`listing the orders of customer ${LITWARE}`, LITWARE],
    ]);
    expect(await readRouteCounts(h, SUBSCRIPTIONS_ROUTE)).toEqual({ "403": 1 });
  });
});
