import { describe, expect, it } from "vitest";
import { SANDBOX_NON_RI_SUBSCRIPTION, SANDBOX_OTHER_PARTNER } from "../../../src/sandbox/index.js";
import {
  BASIC,
  CONTOSO,
  RESERVED_INSTANCE,
  TAILSPIN,
  createLicenseOrder,
  startTestSandbox,
  useSharedSandbox,
} from "./helpers.js";

const t = useSharedSandbox();

const ri = (subscriptionId: string, offerId = RESERVED_INSTANCE) => ({
  BillingCycle: "one_time",
  LineItems: [
    {
      LineItemNumber: 0,
      OfferId: offerId,
      Quantity: 1,
      ProvisioningContext: { subscriptionId, scope: "shared", duration: "1Year" },
    },
  ],
});

interface Case {
  name: string;
  customer?: string;
  body: unknown;
  status: number;
  code: string;
  description?: RegExp;
}

const CASES: Case[] = [
  {
    name: "unparseable billingCycle enum",
    body: { ...createLicenseOrder(BASIC), billingCycle: "weekly" },
    status: 400,
    code: "900126",
  },
  {
    name: "unparseable read-only status enum",
    body: { ...createLicenseOrder(BASIC), Status: "none" },
    status: 400,
    code: "900126",
  },
  { name: "missing lineItems", body: { billingCycle: "monthly" }, status: 400, code: "800002" },
  { name: "body is not JSON", body: "{not json", status: 400, code: "800002" },
  {
    name: "quantity missing",
    body: { lineItems: [{ lineItemNumber: 0, offerId: BASIC }] },
    status: 400,
    code: "800002",
  },
  {
    name: "more than 5 additionalPartnerIdsOnRecord",
    body: createLicenseOrder(BASIC, 1, { additionalPartnerIdsOnRecord: ["1", "2", "3", "4", "5", "6"] }),
    status: 400,
    code: "800002",
    description: /maximum of 5/,
  },
  {
    name: "unknown offer",
    body: createLicenseOrder("CFQ7TTC0XXXX:0001:CFQ7TTC0XXXX"),
    status: 400,
    code: "800004",
  },
  {
    name: "lineItemNumber not 0..n-1",
    body: { lineItems: [{ lineItemNumber: 1, offerId: BASIC, quantity: 1 }] },
    status: 400,
    code: "800071",
  },
  {
    name: "unknown customer",
    customer: "99999999-9999-4999-8999-999999999999",
    body: createLicenseOrder(BASIC),
    status: 400,
    code: "900118",
  },
  {
    name: "customer id that is not a GUID",
    customer: "not-a-guid",
    body: createLicenseOrder(BASIC),
    status: 400,
    code: "900118",
  },
  {
    name: "customer of another partner",
    customer: "c4e6a8b0-2d1f-4a3c-8e5b-7d9f1a2b3c4d",
    body: createLicenseOrder(BASIC),
    status: 403,
    code: "20002",
  },
  {
    name: "parentSubscriptionId on create",
    body: createLicenseOrder(BASIC, 1, { parentSubscriptionId: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e" }),
    status: 400,
    code: "2000",
    description: /ParentSubscriptionId is not supported/,
  },
  {
    name: "attestation required and not accepted",
    body: createLicenseOrder("CFQ7TTC0MM8R:0002:CFQ7TTC0QKRL"),
    status: 400,
    code: "900203",
  },
  { name: "sandbox limit: 26 licenses", body: createLicenseOrder(BASIC, 26), status: 400, code: "800018" },
  {
    name: "quantity outside the offer's bounds",
    body: createLicenseOrder(BASIC, 301),
    status: 400,
    code: "2002",
  },
  {
    name: "RI: not a valid Azure subscription",
    customer: TAILSPIN,
    body: ri("00000000-1111-4222-8333-444444444444"),
    status: 400,
    code: "2094",
  },
  {
    name: "RI: subscription not enabled for RI",
    customer: TAILSPIN,
    body: ri(SANDBOX_NON_RI_SUBSCRIPTION),
    status: 400,
    code: "2095",
  },
  {
    name: "RI: no inventory",
    customer: TAILSPIN,
    body: ri("5198c069-3daa-403a-8660-5be11bfd12ee", "DZH318Z0BQ4B:0099:DZH318Z0DSNX"),
    status: 400,
    code: "2093",
  },
  {
    name: "RI: provisioning context missing",
    body: {
      billingCycle: "one_time",
      lineItems: [{ lineItemNumber: 0, offerId: RESERVED_INSTANCE, quantity: 1 }],
    },
    status: 400,
    code: "800002",
  },
];

describe("create-order validation errors", () => {
  for (const c of CASES) {
    it(`${c.name} -> ${c.status}/${c.code}`, async () => {
      const res = await t.call("POST", `/v1/customers/${c.customer ?? CONTOSO}/orders`, c.body);
      expect(res.status).toBe(c.status);
      expect(Object.keys(res.body).sort()).toEqual(["code", "data", "description", "source"]);
      expect(res.body.code).toBe(c.code);
      if (c.description !== undefined) expect(res.body.description).toMatch(c.description);
      const orders = await t.admin("GET", "/_sandbox/orders");
      expect(orders.body.totalCount).toBe(0);
    });
  }

  it("the sixth subscription for one customer hits the sandbox limit (800018)", async () => {
    for (let i = 0; i < 5; i++) {
      expect(
        (await t.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC))).status,
      ).toBe(201);
    }
    const sixth = await t.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC));
    expect([sixth.status, sixth.body.code]).toEqual([400, "800018"]);
  });

  it("sandbox limits can be switched off for scale tests", async () => {
    const unlimited = await startTestSandbox({ sandboxLimits: false });
    try {
      for (let i = 0; i < 6; i++) {
        expect(
          (await unlimited.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC, 26)))
            .status,
        ).toBe(201);
      }
    } finally {
      await unlimited.close();
    }
  });

  it("unknown order id -> 404/20000; another partner's customer on GET -> 403/20002", async () => {
    const missing = await t.call("GET", `/v1/customers/${CONTOSO}/orders/000000000000`);
    expect([missing.status, missing.body.code]).toEqual([404, "20000"]);
    const other = await t.call("GET", `/v1/customers/c4e6a8b0-2d1f-4a3c-8e5b-7d9f1a2b3c4d/orders`);
    expect([other.status, other.body.code]).toEqual([403, "20002"]);
  });

  it("bad lineItemNumber on activation links -> 400/800071", async () => {
    const created = await t.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC));
    const res = await t.call(
      "GET",
      `/v1/customers/${CONTOSO}/orders/${String(created.body.id)}/lineitems/3/activationlinks`,
    );
    expect([res.status, res.body.code]).toEqual([400, "800071"]);
  });

  it("error codes can be sent as JSON numbers", async () => {
    const numeric = await startTestSandbox({ numericErrorCodes: true });
    try {
      const res = await numeric.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder("nope"));
      expect(res.body.code).toBe(800004);
    } finally {
      await numeric.close();
    }
  });
});

describe("isolation between partners", () => {
  it("a partner sees only its own customers and orders", async () => {
    const mine = await t.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC));
    expect(mine.status).toBe(201);
    const otherToken = await t.tokenFor(SANDBOX_OTHER_PARTNER);
    const headers = { Authorization: `Bearer ${otherToken}` };
    const list = await fetch(`${t.url}/v1/customers/${CONTOSO}/orders`, { headers });
    expect(list.status).toBe(403);
    expect(((await list.json()) as { code: string }).code).toBe("20002");
    const byId = await fetch(`${t.url}/v1/customers/${CONTOSO}/orders/${String(mine.body.id)}`, { headers });
    expect(byId.status).toBe(403);
    const own = await fetch(`${t.url}/v1/customers/c4e6a8b0-2d1f-4a3c-8e5b-7d9f1a2b3c4d/orders`, { headers });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { totalCount: number }).totalCount).toBe(0);
  });
});
