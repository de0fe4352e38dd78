/**
 * Microsoft's own response examples (test/fixtures/partner-center-docs), served as printed to the
 * real client over loopback: each is parsed; each order can be imported under a declaration of
 * what it holds and then plans clean. See README.md, "Where Microsoft's docs disagree".
 */
import { describe, expect, it } from "vitest";
import { createStateOrder } from "../../../src/apply/applier.js";
import { checkImportMatch } from "../../../src/core/import-rules.js";
import type { BillingCycle, DesiredOrder, RemoteOrder } from "../../../src/core/model.js";
import { createPlan } from "../../../src/core/planner.js";
import { createTokenProvider } from "../../../src/partner-center/auth.js";
import { createPartnerCenterClient } from "../../../src/partner-center/client.js";
import { DOCS_EXAMPLES, fillPlaceholders, readBody } from "../../fixtures/partner-center-docs/corpus.js";
import type { DocsExample } from "../../fixtures/partner-center-docs/corpus.js";
import { buildInput, buildState, byName, NOW } from "../core/builders.js";
import { closers, startScripted } from "./scripted-server.js";

const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const ORDER_PAGES = /order|add-on|billing-cycle|software-purchases/;

interface Served {
  example: DocsExample;
  body: Record<string, unknown>;
}

function selectResponses(test: (body: Record<string, unknown>) => boolean): Served[] {
  return DOCS_EXAMPLES.filter((e) => e.kind === "response" && ORDER_PAGES.test(e.page))
    .map((example) => ({
      example,
      body: fillPlaceholders(readBody(example) as Record<string, unknown>, {
        customer: CUSTOMER,
        order: "o-1",
      }),
    }))
    .filter(({ body }) => test(body));
}

const isOrder = (body: Record<string, unknown>) =>
  Array.isArray(body.lineItems) && typeof body.id === "string";
const isOrderList = (body: Record<string, unknown>) =>
  Array.isArray(body.items) &&
  (body.items as Record<string, unknown>[]).every(isOrder) &&
  body.items.length > 0;
const isSubscriptionList = (body: Record<string, unknown>) =>
  Array.isArray(body.items) &&
  (body.items as Record<string, unknown>[]).some((i) => "entitlementId" in i || "contractType" in i);

async function startServing(body: unknown, status = 200) {
  const { url, seen } = await startScripted(() => ({ status, body }));
  const client = createPartnerCenterClient({
    baseUrl: url,
    tokenProvider: createTokenProvider({ mode: "token", tokenEnv: "T" }, { T: "static-access-token" }),
    applicationName: "orderform/docs-corpus",
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  closers.push(() => client.close());
  return { client, seen };
}

/** The declaration of what the order holds; an absent billing cycle is declared as its default. */
function declare(order: RemoteOrder): DesiredOrder {
  return {
    name: "docs/example",
    customer: order.customer,
    billingCycle: (order.billingCycle === "unknown" ? "monthly" : order.billingCycle) as BillingCycle,
    lineItems: order.lineItems.map((item) => ({
      lineItemNumber: item.lineItemNumber,
      offerId: item.offerId,
      quantity: item.quantity,
      ...(item.termDuration === undefined || item.termDuration === ""
        ? {}
        : { termDuration: item.termDuration as "P1M" | "P1Y" | "P3Y" }),
    })),
    source: { file: "orders/docs.yaml", line: 1, column: 1 },
  };
}

/** What `orderform import` decides for the order under `declared`, with an empty state. */
function matchImport(declared: DesiredOrder, order: RemoteOrder) {
  return checkImportMatch({
    declared,
    orderId: order.id,
    remote: order,
    state: buildState(),
    clockSkewMs: 0,
  });
}

/** Imports the order under its declaration, then plans: one no-op (drift if cancelled), nothing else. */
function expectImportsAndPlansClean(order: RemoteOrder): void {
  const declared = declare(order);
  const match = matchImport(declared, order);
  expect(match.kind).toBe("bind");
  if (match.kind !== "bind") return;
  const recorded = createStateOrder(declared.name, match.content, "", order, "imported", new Date(NOW));
  const plan = createPlan(
    buildInput({
      desired: [declared],
      state: buildState({ orders: byName(recorded) }),
      remote: { lists: { [order.customer]: [order] } },
    }),
  );
  // A cancelled order is drift: the declaration wants seats it no longer gives.
  expect(plan.actions.map((a) => a.kind)).toEqual([order.status === "cancelled" ? "drift" : "no-op"]);
  expect(plan.diagnostics).toEqual([]);
}

describe("Microsoft's documented order answers, served to the client", () => {
  const orders = selectResponses(isOrder);
  const lists = selectResponses(isOrderList);

  it("the corpus holds every order page's answers", () => {
    expect(new Set(orders.map((o) => o.example.page))).toEqual(
      new Set([
        "create-an-order",
        "create-an-order-for-a-customer-of-an-indirect-reseller",
        "get-an-order-by-id",
        "purchase-an-add-on-to-a-subscription",
        "change-the-billing-cycle",
        "cancel-software-purchases",
        "cancel-an-order-from-the-integration-sandbox",
      ]),
    );
    expect(lists.length).toBeGreaterThanOrEqual(3);
  });

  it.each(orders.map((o) => [o.example.id, o] as const))(
    "%s is parsed, imported and plans clean",
    async (_, { body }) => {
      const { client, seen } = await startServing(body);
      const order = await client.getOrder(CUSTOMER, String(body.id));
      expect(seen).toHaveLength(1);
      expect(order?.id).toBe(body.id);
      expect(order?.lineItems).toHaveLength((body.lineItems as unknown[]).length);
      if (order === null) return;
      if (body.status === undefined) expect(order.status).toBe("unknown");
      if (order.lineItems.every((item) => item.quantity > 0)) expectImportsAndPlansClean(order);
      else {
        // A software purchase whose line item was cancelled (quantity 0): a declaration of 1 differs.
        const declared = declare(order);
        declared.lineItems = declared.lineItems.map((item) => ({ ...item, quantity: 1 }));
        const match = matchImport(declared, order);
        expect(match.kind).toBe("mismatch");
      }
    },
  );

  it.each(orders.filter((o) => /^create/.test(o.example.page)).map((o) => [o.example.id, o] as const))(
    "%s is the answer to a create: the placed order is read",
    async (_, { body }) => {
      const { client } = await startServing(body, 201);
      const order = await client.createOrder(
        CUSTOMER,
        {
          customer: CUSTOMER,
          billingCycle: "monthly",
          lineItems: [{ lineItemNumber: 0, offerId: "x", quantity: 1 }],
        },
        { requestId: "11111111-2222-4333-8444-555555555555" },
      );
      expect(order.id).toBe(body.id);
      expect(order.status).toBe(body.status === undefined ? "unknown" : body.status);
    },
  );

  it.each(lists.map((l) => [l.example.id, l] as const))(
    "%s is listed, and each order plans clean",
    async (_, { body }) => {
      const { client } = await startServing(body);
      const listed = await client.listOrders(CUSTOMER);
      expect(listed.map((o) => o.id)).toEqual((body.items as { id: string }[]).map((i) => i.id));
      for (const order of listed) expectImportsAndPlansClean(order);
    },
  );

  it.each(selectResponses(isSubscriptionList).map((s) => [s.example.id, s] as const))(
    "%s: subscriptions by order keep the documented fields",
    async (_, { body }) => {
      const { client } = await startServing(body);
      const subscriptions = await client.listSubscriptionsByOrder(CUSTOMER, "o-1");
      const printed = (body.items as Record<string, unknown>[])[0] ?? {};
      expect(subscriptions[0]).toMatchObject({
        id: printed.id,
        commitmentEndDate: printed.commitmentEndDate,
        contractType: printed.contractType,
        ...(printed.entitlementId === undefined ? {} : { entitlementId: printed.entitlementId }),
      });
    },
  );

  it("get-order-provisioning-status: the documented items are read", async () => {
    const example = DOCS_EXAMPLES.find(
      (e) => e.page === "get-order-provisioning-status" && e.kind === "response",
    );
    const { client } = await startServing(example?.body);
    expect(await client.getProvisioningStatus(CUSTOMER, "o-1")).toEqual([
      {
        lineItemNumber: 0,
        status: "fulfilled",
        quantityProvisioningInformation: [{ quantity: 1, status: "fulfilled" }],
      },
    ]);
  });
});
