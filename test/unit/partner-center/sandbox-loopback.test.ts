import { getEventListeners } from "node:events";
/**
 * The client against the real sandbox over 127.0.0.1, with the sandbox's faults switched on
 * (docs/sandbox.md). Delays are kept small; nothing here asserts on time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import type { OrderContent } from "../../../src/core/model.js";
import type { FetchLike } from "../../../src/partner-center/auth.js";
import type { ClientOptions } from "../../../src/partner-center/client.js";
import { PartnerCenterError } from "../../../src/partner-center/errors.js";
import { openPartnerCenter } from "../../../src/operations/open-partner-center.js";
import { createRateLimiter } from "../../../src/partner-center/rate-limiter.js";
import type { RetryInfo } from "../../../src/partner-center/types.js";
import {
  SANDBOX_CUSTOMERS,
  SANDBOX_PARTNER,
  startSandbox,
  type SandboxOptions,
} from "../../../src/sandbox/index.js";
import {
  CONTOSO,
  createSandboxTokenProvider,
  startLoopbackHarness,
  type LoopbackHarness,
} from "./loopback-harness.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function createContent(customer: string, quantity = 2): OrderContent {
  return {
    customer,
    billingCycle: "monthly",
    lineItems: [
      { lineItemNumber: 0, offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K59S", quantity, termDuration: "P1M" },
    ],
  };
}

interface Harness extends LoopbackHarness {
  tokenFetches: { count: number; accessTokens: string[] };
}

async function startHarness(
  sandboxOptions: SandboxOptions = {},
  clientOptions: Partial<ClientOptions> = {},
  providerNow?: () => number,
): Promise<Harness> {
  const tokenFetches = { count: 0, accessTokens: [] as string[] };
  // The real undici fetch, counted: the test learns the token values independently of the provider.
  const counting: FetchLike = async (url, init) => {
    tokenFetches.count += 1;
    const response = await fetch(url, init);
    const text = await response.text();
    try {
      const token = (JSON.parse(text) as { access_token?: string }).access_token;
      if (token !== undefined) tokenFetches.accessTokens.push(token);
    } catch {
      // not JSON: an error page
    }
    return { status: response.status, text: () => Promise.resolve(text) };
  };
  const harness = await startLoopbackHarness({
    sandbox: sandboxOptions,
    client: { applicationName: "orderform/test", ...clientOptions },
    createProviderOptions: (logger) => ({
      fetchImpl: counting,
      logger,
      ...(providerNow === undefined ? {} : { now: providerNow }),
    }),
  });
  return { ...harness, tokenFetches };
}

interface AdminOrders {
  items: { customerId: string; requestId: string | null; order: { id: string } }[];
}
interface AdminStats {
  total: number;
  routes: Record<string, Record<string, number>>;
}

function countStatus(stats: AdminStats, status: string): number {
  return Object.values(stats.routes).reduce((sum, byStatus) => sum + (byStatus[status] ?? 0), 0);
}

describe("client against the sandbox", () => {
  it("creates, reads, lists and cancels an order with typed results", async () => {
    const h = await startHarness();
    const requestId = randomUUID();
    const created = await h.client.createOrder(CONTOSO, createContent(CONTOSO), { requestId });
    expect(created).toMatchObject({ customer: CONTOSO, billingCycle: "monthly", status: "pending" });
    expect(created.lineItems[0]).toMatchObject({
      lineItemNumber: 0,
      offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K59S",
      quantity: 2,
    });
    expect(await h.client.getOrder(CONTOSO, created.id)).toMatchObject({ id: created.id, customer: CONTOSO });
    expect((await h.client.listOrders(CONTOSO)).map((o) => o.id)).toContain(created.id);
    expect((await h.client.listOrders(CONTOSO, { billingType: "monthly" })).map((o) => o.id)).toContain(
      created.id,
    );
    const status = await h.client.getProvisioningStatus(CONTOSO, created.id);
    expect(status[0]?.lineItemNumber).toBe(0);
    expect(Array.isArray(await h.client.listSubscriptionsByOrder(CONTOSO, created.id))).toBe(true);
    expect((await h.client.cancelOrder(CONTOSO, created.id)).status).toBe("cancelled");
    expect(await h.client.getOrder(CONTOSO, "no-such-order")).toBeNull();
    // The same request id again is answered with the same order, not a second one.
    const again = await h.client.createOrder(CONTOSO, createContent(CONTOSO), { requestId });
    expect(again.id).toBe(created.id);
    const orders = await h.admin<AdminOrders>("GET", "/_sandbox/orders");
    expect(orders.items.filter((o) => o.requestId === requestId)).toHaveLength(1);
  });

  it("turns a business error into a PartnerCenterError that is not retried", async () => {
    const h = await startHarness();
    const content: OrderContent = {
      ...createContent(CONTOSO),
      lineItems: [{ lineItemNumber: 0, offerId: "NOPE:0001:NOPE", quantity: 1 }],
    };
    const requestId = randomUUID();
    const error = await h.client.createOrder(CONTOSO, content, { requestId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({
      code: "partner-center.http",
      httpStatus: 400,
      serviceCode: "800004",
      retryable: false,
      operation: "createOrder",
      customer: CONTOSO,
      requestId,
    });
    expect((error as PartnerCenterError).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((error as PartnerCenterError).message).toContain(`customer ${CONTOSO}`);
    expect(h.client.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it("commit-then-drop followed by the client's retry yields exactly one order per request id", async () => {
    const h = await startHarness({ sandboxLimits: false });
    await h.admin("PUT", "/_sandbox/faults", {
      seed: 7,
      commitThenDrop: { probability: 0.5, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const customers = SANDBOX_CUSTOMERS.slice(0, 3).map((c) => c.id);
    const requestIds: string[] = [];
    const retries: RetryInfo[] = [];
    const created: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const customer = customers[i % customers.length] ?? CONTOSO;
      const requestId = randomUUID();
      requestIds.push(requestId);
      const order = await h.client.createOrder(customer, createContent(customer, i + 1), {
        requestId,
        onRetry: (info) => retries.push(info),
      });
      created.push(order.id);
    }
    expect(retries.length).toBeGreaterThan(0); // the fault really fired
    const orders = await h.admin<AdminOrders>("GET", "/_sandbox/orders");
    for (const [index, requestId] of requestIds.entries()) {
      const made = orders.items.filter((o) => o.requestId === requestId);
      expect(made, requestId).toHaveLength(1);
      expect(made[0]?.order.id).toBe(created[index]);
    }
    expect(orders.items).toHaveLength(8);
  });

  it("keeps one MS-RequestId across retries and sends a new correlation id per attempt", async () => {
    const h = await startHarness({}, { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
    await h.admin("PUT", "/_sandbox/faults", {
      seed: 3,
      errorRate: { probability: 1, status: 503, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const requestId = randomUUID();
    const error = await h.client
      .createOrder(CONTOSO, createContent(CONTOSO), { requestId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ httpStatus: 503, retryable: true, requestId });
    const sent = h.logs.filter((line) => line.startsWith("-> POST /v1/customers/"));
    expect(sent).toHaveLength(3);
    expect(sent.every((line) => line.includes(`ms-requestid=${requestId}`))).toBe(true);
    const correlationIds = sent.map((line) => /ms-correlationid=(\S+)/.exec(line)?.[1]);
    expect(new Set(correlationIds).size).toBe(3);
    const orders = await h.admin<AdminOrders>("GET", "/_sandbox/orders");
    expect(orders.items).toHaveLength(0);
  });

  it("respects a 429 storm (Retry-After) and succeeds", async () => {
    const h = await startHarness();
    await h.admin("PUT", "/_sandbox/faults", {
      seed: 11,
      throttle: { probability: 0.6, retryAfterSeconds: 1 },
    });
    const retries: RetryInfo[] = [];
    const order = await h.client.createOrder(CONTOSO, createContent(CONTOSO), {
      requestId: randomUUID(),
      onRetry: (i) => retries.push(i),
    });
    const listed = await h.client.listOrders(CONTOSO);
    expect(listed.map((o) => o.id)).toContain(order.id);
    const stats = await h.admin<AdminStats>("GET", "/_sandbox/stats");
    expect(countStatus(stats, "429")).toBeGreaterThan(0);
    expect(h.client.stats.throttled).toBe(countStatus(stats, "429"));
    const throttled = retries.filter((r) => r.reason.startsWith("429"));
    expect(throttled.length).toBeGreaterThan(0);
    for (const r of throttled) expect(r.delayMs).toBeGreaterThanOrEqual(1000);
  });

  it("renews an expired token once after a 401, then succeeds", async () => {
    // The provider's clock is frozen, so it keeps serving its cached token after the sandbox
    // expired it: the 401 path, not the proactive renewal, is what runs.
    const h = await startHarness({ tokenLifetimeSeconds: 1 }, {}, () => 0);
    await h.client.listOrders(CONTOSO);
    expect(h.tokenFetches.count).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await h.client.listOrders(CONTOSO);
    expect(h.tokenFetches.count).toBe(2);
    const stats = await h.admin<AdminStats>("GET", "/_sandbox/stats");
    expect(countStatus(stats, "401")).toBe(1);
    expect(h.logs.filter((line) => line.includes("renewing the access token"))).toHaveLength(1);
  });

  it("renews a token before it expires without a 401 (real clock)", async () => {
    const h = await startHarness({ tokenLifetimeSeconds: 1 });
    await h.client.listOrders(CONTOSO);
    await new Promise((resolve) => setTimeout(resolve, 600)); // past half the lifetime
    await h.client.listOrders(CONTOSO);
    expect(h.tokenFetches.count).toBe(2);
    expect(countStatus(await h.admin<AdminStats>("GET", "/_sandbox/stats"), "401")).toBe(0);
  });

  it("shares one token fetch among concurrent callers", async () => {
    const h = await startHarness();
    await Promise.all(SANDBOX_CUSTOMERS.slice(0, 4).map((c) => h.client.listOrders(c.id)));
    expect(h.tokenFetches.count).toBe(1);
  });

  it("stops waiting when the signal aborts", async () => {
    const h = await startHarness();
    await h.admin("PUT", "/_sandbox/faults", {
      seed: 1,
      throttle: { probability: 1, retryAfterSeconds: 5, route: { pathPattern: "^/v1/" } },
    });
    const controller = new AbortController();
    const pending = h.client.listOrders(CONTOSO, { signal: controller.signal }).catch((e: unknown) => e);
    while (h.client.stats.throttled === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("user pressed Ctrl-C"));
    expect(await pending).toMatchObject({ code: "partner-center.aborted" });
  });

  it("aborts requests in flight at once when the signal aborts, and only those of that signal", async () => {
    const h = await startHarness();
    await h.admin("PUT", "/_sandbox/faults", {
      seed: 1,
      latency: { fixedMs: 20_000, route: { pathPattern: "^/v1/" } },
    });
    const controller = new AbortController();
    const other = new AbortController();
    const pending = Array.from({ length: 3 }, () =>
      h.client.listOrders(CONTOSO, { signal: controller.signal }).catch((e: unknown) => e),
    );
    const unrelated = h.client.listOrders(CONTOSO, { signal: other.signal }).catch((e: unknown) => e);
    while (h.client.stats.requests < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("user pressed Ctrl-C"));
    // The server holds each answer for 20 s (past the test's time limit): these settle only
    // because the requests in flight were given up.
    for (const result of await Promise.all(pending)) {
      expect(result).toMatchObject({
        code: "partner-center.aborted",
        cause: { message: "user pressed Ctrl-C" },
      });
    }
    // The request of another signal is still waiting for its answer.
    let settled = false;
    void unrelated.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    other.abort(new Error("done"));
    expect(await unrelated).toMatchObject({ code: "partner-center.aborted", cause: { message: "done" } });
  });

  it("shares one caller signal among many operations: no listener warning, an aborted one sends nothing", async () => {
    const h = await startHarness();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const lists = await Promise.all(
        Array.from({ length: 30 }, () => h.client.listOrders(CONTOSO, { signal: controller.signal })),
      );
      expect(lists).toHaveLength(30);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).not.toContain("MaxListenersExceededWarning");
      // Nothing piles up on the caller's signal: the client's one fan-out listener at most.
      expect(getEventListeners(controller.signal, "abort").length).toBeLessThanOrEqual(1);
      const sent = h.client.stats.requests;
      controller.abort(new Error("user pressed Ctrl-C"));
      await expect(h.client.listOrders(CONTOSO, { signal: controller.signal })).rejects.toMatchObject({
        code: "partner-center.aborted",
      });
      expect(h.client.stats.requests).toBe(sent);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("paces a burst through the shared limiter without any 429", async () => {
    // Sandbox limit 30/min per key, fixed windows; the client's limiter at the same figure with a
    // burst of 10 lets 10 go at once and holds the rest (refill 20/min) - none is refused.
    const h = await startHarness(
      { rateLimitPerMinute: 30, rateLimitKey: "partner" },
      {
        rateLimiter: createRateLimiter({ requestsPerMinute: 30, burst: 10 }),
        rateLimitKey: "partner",
      },
    );
    const controller = new AbortController();
    const calls = Array.from({ length: 12 }, () =>
      h.client.listOrders(CONTOSO, { signal: controller.signal }).then(
        () => "ok",
        (e: unknown) => e,
      ),
    );
    // 10 pass at once; the 11th and 12th wait for refill (3 s each). Abort them: the point is that
    // nothing reached the server beyond what the limiter admitted.
    while (h.client.stats.requests < 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error("done"));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === "ok")).toHaveLength(10);
    expect(h.client.stats.requests).toBe(10);
    expect(h.client.stats.throttled).toBe(0);
  });
});

describe("secrets never reach the log (ORDERFORM_LOG=debug)", () => {
  it("logs requests and responses, but no client secret, access token or Authorization value", async () => {
    const h = await startHarness({ tokenLifetimeSeconds: 1 }, {}, () => 0);
    await h.client.createOrder(CONTOSO, createContent(CONTOSO), { requestId: randomUUID() });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // force a 401 and a renewal
    await h.client.listOrders(CONTOSO);
    const failure = (await h.client
      .createOrder(
        CONTOSO,
        { ...createContent(CONTOSO), lineItems: [{ lineItemNumber: 3, offerId: "x", quantity: 1 }] },
        { requestId: randomUUID() },
      )
      .catch((e: unknown) => e)) as Error;
    expect(failure).toBeInstanceOf(PartnerCenterError);
    expect(h.tokenFetches.accessTokens.length).toBe(2);
    expect(h.logs.some((line) => line.startsWith("-> POST /v1/customers/"))).toBe(true);
    expect(h.logs.some((line) => line.startsWith("<- 201 POST"))).toBe(true);
    const everything = [...h.logs, failure.message, String(failure.stack)].join("\n");
    for (const secret of [SANDBOX_PARTNER.clientSecret, ...h.tokenFetches.accessTokens])
      expect(everything).not.toContain(secret);
    expect(everything).toContain("authorization=Bearer [redacted]");
  });

  it("a refused client secret is reported without the secret", async () => {
    const server = await startSandbox({ port: 0 });
    cleanups.push(() => server.close());
    const logs: string[] = [];
    const provider = createSandboxTokenProvider(server.url, "wrong-secret-value-123", {
      logger: (l) => logs.push(l),
    });
    const error = (await provider.getToken().catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe("auth.token-failed");
    expect(error.message).toContain("invalid_client");
    expect([...logs, error.message].join("\n")).not.toContain("wrong-secret-value-123");
  });

  it("openPartnerCenter with ORDERFORM_LOG=debug writes request lines to stderr, without secrets", async () => {
    const rootDir = mkdtempSync(path.join(tmpdir(), "orderform-pc-"));
    const config = createDefaultConfig();
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const opened = await openPartnerCenter(
        { config, filepath: null, rootDir },
        { ORDERFORM_LOG: "debug" },
        "9.9.9",
      );
      try {
        expect(opened.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        await opened.client.createOrder(CONTOSO, createContent(CONTOSO), { requestId: randomUUID() });
        expect(await opened.client.listOrders(CONTOSO)).toHaveLength(1);
      } finally {
        await opened.close();
      }
      // The store persisted under <rootDir>/.orderform: a second run sees the same order.
      const reopened = await openPartnerCenter({ config, filepath: null, rootDir }, {}, "9.9.9");
      try {
        expect(await reopened.client.listOrders(CONTOSO)).toHaveLength(1);
      } finally {
        await reopened.close();
      }
    } finally {
      process.stderr.write = original;
      rmSync(rootDir, { recursive: true, force: true });
    }
    const text = written.join("");
    expect(text).toContain("orderform: -> POST /v1/customers/");
    expect(text).toContain("oauth2/v2.0/token");
    expect(text).not.toContain(SANDBOX_PARTNER.clientSecret);
    expect(text).not.toMatch(/Bearer (?!\[redacted\])/);
  });
});
