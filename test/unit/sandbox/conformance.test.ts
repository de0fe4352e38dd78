import { describe, expect, it } from "vitest";
import { SANDBOX_PARTNER } from "../../../src/sandbox/index.js";
import {
  AI_BUILDER,
  BASIC,
  CONTOSO,
  TAILSPIN,
  createLicenseOrder,
  findMissingFields,
  startTestSandbox,
  useSharedSandbox,
} from "./helpers.js";
import { CSHARP_SAMPLE_BODY, SEED_EXAMPLES } from "./seed-examples.js";

const t = useSharedSandbox();

describe("seed documents' request examples, sent as written", () => {
  for (const example of SEED_EXAMPLES) {
    it(example.name, async () => {
      const created = await t.call("POST", example.path, example.body);
      expect(created.status).toBe(201);
      expect(findMissingFields(JSON.parse(example.response), created.body)).toEqual([]);
      expect(created.body.status).toBe("pending");
      expect(created.body.creationDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
      expect(created.body.id).toMatch(/^[0-9a-f]{12}$/);
      expect(created.body.alternateId).toBe(created.body.id);
      const fetched = await t.call("GET", `${example.path}/${String(created.body.id)}`);
      expect(fetched.status).toBe(200);
      expect(findMissingFields(JSON.parse(example.response), fetched.body)).toEqual([]);
    });
  }

  it("the C# sample's subscription (PascalCase, 3Years) is a valid RI subscription for Tailspin", async () => {
    const created = await t.call("POST", `/v1/customers/${TAILSPIN}/orders`, CSHARP_SAMPLE_BODY);
    expect(created.status).toBe(201);
    expect(created.body.billingCycle).toBe("one_time");
  });

  it("legacy GUID offers get GUID order ids", async () => {
    const created = await t.call("POST", `/v1/customers/${CONTOSO}/orders`, {
      BillingCycle: "OneTime",
      LineItems: [{ LineItemNumber: 0, OfferId: "84a03d81-6b37-4d66-8d4a-faea24541538", Quantity: 1 }],
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created.body.billingCycle).toBe("one_time");
  });
});

describe("token endpoints", () => {
  const form = (fields: Record<string, string>) => ({
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });

  it("client_credentials on v1 and v2 endpoints issue bearer tokens that the /v1 routes accept", async () => {
    for (const path of ["oauth2/token", "oauth2/v2.0/token"]) {
      const res = await fetch(
        `${t.url}/${SANDBOX_PARTNER.tenantId}/${path}`,
        form({
          grant_type: "client_credentials",
          client_id: SANDBOX_PARTNER.clientId,
          client_secret: SANDBOX_PARTNER.clientSecret,
        }),
      );
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(200);
      expect(body.token_type).toBe("Bearer");
      expect(Number(body.expires_in)).toBe(3600);
      const list = await fetch(`${t.url}/v1/customers/${CONTOSO}/orders`, {
        headers: { Authorization: `Bearer ${String(body.access_token)}` },
      });
      expect(list.status).toBe(200);
    }
  });

  it("refresh_token grant (app+user) returns an access token and a new refresh token", async () => {
    const res = await fetch(
      `${t.url}/${SANDBOX_PARTNER.tenantId}/oauth2/token`,
      form({
        grant_type: "refresh_token",
        client_id: SANDBOX_PARTNER.clientId,
        client_secret: SANDBOX_PARTNER.clientSecret,
        refresh_token: SANDBOX_PARTNER.refreshToken,
        scope: "openid",
      }),
    );
    const body = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(200);
    expect(body.refresh_token).toMatch(/^sbxr\./);
    const again = await fetch(
      `${t.url}/${SANDBOX_PARTNER.tenantId}/oauth2/token`,
      form({
        grant_type: "refresh_token",
        client_id: SANDBOX_PARTNER.clientId,
        refresh_token: body.refresh_token as string,
      }),
    );
    expect(again.status).toBe(200);
    const bad = await fetch(
      `${t.url}/${SANDBOX_PARTNER.tenantId}/oauth2/token`,
      form({ grant_type: "refresh_token", client_id: SANDBOX_PARTNER.clientId, refresh_token: "nope" }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Record<string, string>).error).toBe("invalid_grant");
  });

  it("a wrong secret gets 401 invalid_client", async () => {
    const res = await fetch(
      `${t.url}/${SANDBOX_PARTNER.tenantId}/oauth2/token`,
      form({ grant_type: "client_credentials", client_id: SANDBOX_PARTNER.clientId, client_secret: "wrong" }),
    );
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, string>;
    expect(body.error).toBe("invalid_client");
    expect(body.error_description).toContain("AADSTS7000215");
    expect(JSON.stringify(body)).not.toContain("wrong");
  });

  it("/v1 without a token, or with an unknown one, gets 401 with WWW-Authenticate", async () => {
    for (const headers of [{}, { Authorization: "Bearer forged" }] as Record<string, string>[]) {
      const res = await fetch(`${t.url}/v1/customers/${CONTOSO}/orders`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^OAuth realm=urn:cpsvc:cpid:/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["code", "data", "description", "source"]);
    }
  });

  it("tokens expire after the configured lifetime", async () => {
    const short = await startTestSandbox({ tokenLifetimeSeconds: 0 });
    try {
      const res = await short.call("GET", `/v1/customers/${CONTOSO}/orders`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("400");
    } finally {
      await short.close();
    }
  });
});

describe("order routes", () => {
  it("list uses the collection envelope and filters by billingType in any spelling", async () => {
    const monthly = await t.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC, 2));
    const oneTime = await t.call("POST", `/v1/customers/${CONTOSO}/orders`, {
      billingCycle: "one_time",
      lineItems: [{ lineItemNumber: 0, offerId: "84A03D81-6B37-4D66-8D4A-FAEA24541538", quantity: 1 }],
    });
    expect([monthly.status, oneTime.status]).toEqual([201, 201]);
    const all = await t.call("GET", `/v1/customers/${CONTOSO}/orders`);
    expect(all.body).toMatchObject({
      totalCount: 2,
      links: { self: { uri: `/customers/${CONTOSO}/orders`, method: "GET", headers: [] } },
      attributes: { objectType: "Collection" },
    });
    for (const spelling of ["onetime", "OneTime", "one_time"]) {
      const filtered = await t.call("GET", `/v1/customers/${CONTOSO}/orders?billingType=${spelling}`);
      expect(filtered.body.totalCount).toBe(1);
      expect((filtered.body.items as { id: string }[])[0]?.id).toBe(oneTime.body.id);
    }
    const bad = await t.call("GET", `/v1/customers/${CONTOSO}/orders?billingType=weekly`);
    expect([bad.status, bad.body.code]).toEqual([400, "900126"]);
  });

  it("echoes MS-RequestId and MS-CorrelationId", async () => {
    const res = await t.call("GET", `/v1/customers/${CONTOSO}/orders`, undefined, {
      "MS-RequestId": "11111111-1111-4111-8111-111111111111",
      "MS-CorrelationId": "22222222-2222-4222-8222-222222222222",
    });
    expect(res.headers.get("ms-requestid")).toBe("11111111-1111-4111-8111-111111111111");
    expect(res.headers.get("ms-correlationid")).toBe("22222222-2222-4222-8222-222222222222");
  });

  it("provisioning status, activation links, subscriptions by order, and cancel", async () => {
    const created = await t.call("POST", `/v1/customers/${TAILSPIN}/orders`, {
      billingCycle: "monthly",
      lineItems: [
        { lineItemNumber: 0, offerId: AI_BUILDER, quantity: 3 },
        {
          lineItemNumber: 1,
          offerId: BASIC,
          quantity: 2,
          termDuration: "p1y",
          renewsTo: [{ termDuration: "P1Y" }],
        },
      ],
    });
    expect(created.status).toBe(201);
    const base = `/v1/customers/${TAILSPIN}/orders/${String(created.body.id)}`;
    const status = await t.call("GET", `${base}/provisioningstatus`);
    expect(status.body.totalCount).toBe(2);
    expect((status.body.items as Record<string, unknown>[])[1]).toMatchObject({
      lineItemNumber: 1,
      status: "fulfilled",
      quantityProvisioningInformation: [{ quantity: 2, status: "fulfilled" }],
    });
    const links = await t.call("GET", `${base}/lineitems/1/activationlinks`);
    expect((links.body.items as Record<string, unknown>[])[0]).toMatchObject({
      lineItemNumber: 1,
      link: { method: "GET" },
    });
    const subs = await t.call(
      "GET",
      `/v1/customers/${TAILSPIN}/subscriptions?order_id=${String(created.body.id)}`,
    );
    const lines = (await t.call("GET", base)).body.lineItems as {
      subscriptionId: string;
      termDuration: string;
    }[];
    expect(lines[1]?.termDuration).toBe("P1Y");
    expect((subs.body.items as { id: string; orderId: string }[]).map((s) => s.id)).toEqual(
      lines.map((l) => l.subscriptionId),
    );
    const cancelled = await t.call("PATCH", base, {
      id: created.body.id,
      status: "Cancelled",
      lineItems: [],
    });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, "cancelled"]);
    const again = await t.call("PATCH", base, { status: "cancelled" });
    expect([again.status, again.body.code]).toEqual([400, "800061"]);
    const after = await t.call("GET", `${base}/provisioningstatus`);
    expect((after.body.items as { status: string }[])[0]?.status).toBe("unfulfilled");
  });

  it("new orders appear in the list only after the list delay, and complete after the provisioning delay", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const delayed = await startTestSandbox({
      clock: () => now,
      listDelayMs: 60_000,
      provisioningDelayMs: 30_000,
    });
    try {
      const created = await delayed.call(
        "POST",
        `/v1/customers/${CONTOSO}/orders`,
        createLicenseOrder(BASIC),
      );
      expect(created.body.status).toBe("pending");
      expect((created.body.lineItems as Record<string, unknown>[])[0]).not.toHaveProperty("subscriptionId");
      const path = `/v1/customers/${CONTOSO}/orders`;
      expect((await delayed.call("GET", path)).body.totalCount).toBe(0);
      expect((await delayed.call("GET", `${path}/${String(created.body.id)}`)).body.status).toBe("pending");
      now += 30_000;
      const done = await delayed.call("GET", `${path}/${String(created.body.id)}`);
      expect(done.body.status).toBe("completed");
      expect((done.body.lineItems as Record<string, unknown>[])[0]).toHaveProperty("subscriptionId");
      expect((await delayed.call("GET", path)).body.totalCount).toBe(0);
      now += 30_000;
      expect((await delayed.call("GET", path)).body.totalCount).toBe(1);
    } finally {
      await delayed.close();
    }
  });
});
