import { describe, expect, it } from "vitest";
import {
  BASIC,
  CONTOSO,
  FABRIKAM,
  TAILSPIN,
  createLicenseOrder,
  startTestSandbox,
  useSharedSandbox,
} from "./helpers.js";

const t = useSharedSandbox();

const ORDERS = `/v1/customers/${CONTOSO}/orders`;
const countOrders = async (): Promise<number> =>
  (await t.admin("GET", "/_sandbox/orders")).body.totalCount as number;

describe("MS-RequestId idempotency", () => {
  it("the same id and body again returns the original answer and makes no second order", async () => {
    const headers = { "MS-RequestId": "req-same" };
    const first = await t.call("POST", ORDERS, createLicenseOrder(BASIC, 3), headers);
    // Same order, other casing and key order: still the same request.
    const second = await t.call(
      "POST",
      ORDERS,
      { LineItems: [{ Quantity: 3, OfferId: BASIC, LineItemNumber: 0 }], BillingCycle: "monthly" },
      headers,
    );
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await countOrders()).toBe(1);
    const listed = await t.admin("GET", "/_sandbox/orders");
    expect((listed.body.items as { requestId: string }[])[0]?.requestId).toBe("req-same");
  });

  it("a business error is replayed too", async () => {
    const headers = { "MS-RequestId": "req-error" };
    const first = await t.call("POST", ORDERS, createLicenseOrder("nope"), headers);
    const second = await t.call("POST", ORDERS, createLicenseOrder("nope"), headers);
    expect([first.status, second.status]).toEqual([400, 400]);
    expect(second.body).toEqual(first.body);
  });

  it("the same id with a different body is refused with a clear description", async () => {
    const headers = { "MS-RequestId": "req-diff" };
    expect((await t.call("POST", ORDERS, createLicenseOrder(BASIC, 1), headers)).status).toBe(201);
    const other = await t.call("POST", ORDERS, createLicenseOrder(BASIC, 2), headers);
    expect(other.status).toBe(400);
    expect(other.body.description).toMatch(/already used for a different request/);
    const otherCustomer = await t.call(
      "POST",
      `/v1/customers/${TAILSPIN}/orders`,
      createLicenseOrder(BASIC, 1),
      headers,
    );
    expect(otherCustomer.status).toBe(400);
    expect(await countOrders()).toBe(1);
  });

  it("the same id while the first is still in flight gets 409/800060", async () => {
    await t.admin("PUT", "/_sandbox/faults", { latency: { fixedMs: 300, route: { method: "POST" } } });
    const headers = { "MS-RequestId": "req-inflight" };
    const first = t.call("POST", ORDERS, createLicenseOrder(BASIC), headers);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await t.call("POST", ORDERS, createLicenseOrder(BASIC), headers);
    expect([second.status, second.body.code]).toEqual([409, "800060"]);
    expect((await first).status).toBe(201);
    const third = await t.call("POST", ORDERS, createLicenseOrder(BASIC), headers);
    expect(third.body.id).toBe((await first).body.id);
    expect(await countOrders()).toBe(1);
  });
});

describe("rate limit", () => {
  it("429 with Retry-After and {statusCode, message} past the limit, per partner and customer", async () => {
    const limited = await startTestSandbox({ rateLimitPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.call("GET", ORDERS)).status).toBe(200);
      const refused = await limited.call("GET", ORDERS);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Object.keys(refused.body).sort()).toEqual(["message", "statusCode"]);
      expect(refused.body.statusCode).toBe(429);
      expect(refused.body.message).toMatch(/^Rate limit is exceeded\. Try again in \d+ seconds\.$/);
      expect((await limited.call("GET", `/v1/customers/${FABRIKAM}/orders`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("keyed per partner when configured", async () => {
    const limited = await startTestSandbox({ rateLimitPerMinute: 2, rateLimitKey: "partner" });
    try {
      expect((await limited.call("GET", ORDERS)).status).toBe(200);
      expect((await limited.call("GET", `/v1/customers/${FABRIKAM}/orders`)).status).toBe(200);
      expect((await limited.call("GET", `/v1/customers/${TAILSPIN}/orders`)).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

describe("faults", () => {
  it("errorRate answers the chosen 5xx with the error body and changes nothing", async () => {
    await t.admin("PUT", "/_sandbox/faults", { errorRate: { probability: 1, status: 503 } });
    const res = await t.call("POST", ORDERS, createLicenseOrder(BASIC), { "MS-RequestId": "req-503" });
    expect(res.status).toBe(503);
    expect(Object.keys(res.body).sort()).toEqual(["code", "data", "description", "source"]);
    await t.admin("PUT", "/_sandbox/faults", {});
    expect(await countOrders()).toBe(0);
    // The failed attempt left no record: the retry with the same id places the order.
    expect(
      (await t.call("POST", ORDERS, createLicenseOrder(BASIC), { "MS-RequestId": "req-503" })).status,
    ).toBe(201);
  });

  it("throttle injects 429 with the configured Retry-After", async () => {
    await t.admin("PUT", "/_sandbox/faults", { throttle: { probability: 1, retryAfterSeconds: 7 } });
    const res = await t.call("GET", ORDERS);
    expect([res.status, res.headers.get("retry-after"), res.body.statusCode]).toEqual([429, "7", 429]);
  });

  it("commit-then-drop stores the order, kills the connection, and the retry gets the original order", async () => {
    await t.admin("PUT", "/_sandbox/faults", {
      commitThenDrop: { probability: 1, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const headers = { "MS-RequestId": "req-drop" };
    await expect(t.call("POST", ORDERS, createLicenseOrder(BASIC), headers)).rejects.toThrow();
    const stored = await t.admin("GET", `/_sandbox/orders?customer=${CONTOSO}`);
    expect(stored.body.totalCount).toBe(1);
    await t.admin("PUT", "/_sandbox/faults", {});
    const retry = await t.call("POST", ORDERS, createLicenseOrder(BASIC), headers);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe((stored.body.items as { order: { id: string } }[])[0]?.order.id);
    expect(await countOrders()).toBe(1);
    const stats = await t.admin("GET", "/_sandbox/stats");
    expect(
      (stats.body.routes as Record<string, Record<string, number>>)["POST /v1/customers/{customerId}/orders"],
    ).toEqual({
      dropped: 1,
      "201": 1,
    });
  });

  it("route filters limit a fault to matching requests", async () => {
    await t.admin("PUT", "/_sandbox/faults", {
      errorRate: { probability: 1, status: 500, route: { method: "POST" } },
    });
    expect((await t.call("GET", ORDERS)).status).toBe(200);
    const res = await t.call("POST", ORDERS, createLicenseOrder(BASIC));
    expect([res.status, res.body.code]).toEqual([500, "800003"]);
  });

  it("the same seed gives the same faults", async () => {
    const run = async (): Promise<number[]> => {
      await t.admin("PUT", "/_sandbox/faults", { seed: 42, errorRate: { probability: 0.5, status: 502 } });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await t.call("GET", ORDERS)).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([200, 502]));
  });

  it("invalid fault configurations are refused", async () => {
    expect((await t.admin("PUT", "/_sandbox/faults", { errorRate: { probability: 2 } })).status).toBe(400);
    expect((await t.admin("PUT", "/_sandbox/faults", { latenc: {} })).status).toBe(400);
    expect(
      (await t.admin("PUT", "/_sandbox/faults", { errorRate: { probability: 1, status: 404 } })).status,
    ).toBe(400);
  });
});
