import { describe, expect, it } from "vitest";
import type { OrderContent } from "../../../src/core/model.js";
import { describeWireProblem, validateWire } from "../../../src/partner-center/validate.js";
import {
  createOrderBody,
  mapRemoteOrder,
  normalizeBillingCycle,
  normalizeOrderStatus,
  resolveLinkPath,
} from "../../../src/partner-center/wire.js";

const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";

describe("createOrderBody", () => {
  it("sends every declared field camelCase and leaves out absent ones", () => {
    const content: OrderContent = {
      customer: CUSTOMER,
      billingCycle: "monthly",
      partnerOnRecordAttestationAccepted: true,
      lineItems: [
        {
          lineItemNumber: 0,
          offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
          quantity: 25,
          termDuration: "P1M",
          friendlyName: "Contoso seats",
          partnerIdOnRecord: "873452",
          additionalPartnerIdsOnRecord: ["4847383"],
          attestationAccepted: true,
          renewsTo: { termDuration: "P1Y" },
          provisioningContext: { scope: "shared" },
          promotionId: "39NFJQT1Q5KL:0001",
        },
        { lineItemNumber: 1, offerId: "DZH318Z0BQ4B:0047:DZH318Z0DSM8", quantity: 1 },
      ],
    };
    expect(createOrderBody(content)).toEqual({
      billingCycle: "monthly",
      partnerOnRecordAttestationAccepted: true,
      lineItems: [
        {
          lineItemNumber: 0,
          offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
          quantity: 25,
          termDuration: "P1M",
          friendlyName: "Contoso seats",
          partnerIdOnRecord: "873452",
          additionalPartnerIdsOnRecord: ["4847383"],
          attestationAccepted: true,
          renewsTo: { termDuration: "P1Y" },
          provisioningContext: { scope: "shared" },
          promotionId: "39NFJQT1Q5KL:0001",
        },
        { lineItemNumber: 1, offerId: "DZH318Z0BQ4B:0047:DZH318Z0DSM8", quantity: 1 },
      ],
    });
    expect(
      JSON.stringify(createOrderBody({ ...content, partnerOnRecordAttestationAccepted: undefined })),
    ).not.toContain("partnerOnRecord");
  });
});

describe("normalize", () => {
  it.each([
    ["pending", "pending"],
    ["Completed", "completed"],
    ["CANCELLED", "cancelled"],
    ["none", "unknown"],
    ["", "unknown"],
  ])("status %s -> %s", (input, expected) => expect(normalizeOrderStatus(input)).toBe(expected));

  it.each([
    ["monthly", "monthly"],
    ["Monthly", "monthly"],
    ["OneTime", "one_time"],
    ["onetime", "one_time"],
    ["one_time", "one_time"],
    [undefined, "unknown"],
  ])("billing cycle %s -> %s", (input, expected) => expect(normalizeBillingCycle(input)).toBe(expected));
});

// The seed document's create response (English "Create an order", trimmed to valid JSON).
const SEED_ORDER = {
  id: "Cs_jyTxubLpvdJXdo8xcQZN6I2RsLrgZ1",
  referenceCustomerId: "B0D70A69-4C42-4B27-B17B-91A835D8686A",
  billingCycle: "one_time",
  currencyCode: "USD",
  lineItems: [
    {
      lineItemNumber: 0,
      offerId: "84A03D81-6B37-4D66-8D4A-FAEA24541538",
      friendlyName: "A_sample_Azure_RI",
      quantity: 1,
      links: { sku: { uri: "/products/DZH318Z0BQ4B/skus/0047?country=US", method: "GET", headers: [] } },
    },
  ],
  creationDate: "2018-03-15T22:30:02.085152Z",
  status: "pending",
  links: { self: { uri: "/customers/x/orders/y", method: "GET", headers: [] } },
  attributes: { objectType: "Order" },
};

describe("order validation and mapping", () => {
  it("accepts the documented response with its extra fields and maps it", () => {
    expect(validateWire("order", SEED_ORDER)).toBe(true);
    expect(mapRemoteOrder(SEED_ORDER, "ignored")).toEqual({
      id: "Cs_jyTxubLpvdJXdo8xcQZN6I2RsLrgZ1",
      customer: CUSTOMER,
      billingCycle: "one_time",
      status: "pending",
      creationDate: "2018-03-15T22:30:02.085152Z",
      lineItems: [
        {
          lineItemNumber: 0,
          offerId: "84A03D81-6B37-4D66-8D4A-FAEA24541538",
          friendlyName: "A_sample_Azure_RI",
          quantity: 1,
        },
      ],
    });
  });

  it("uses the requested customer when referenceCustomerId is absent", () => {
    const { referenceCustomerId: _omit, ...rest } = SEED_ORDER;
    expect(mapRemoteOrder(rest, CUSTOMER.toUpperCase()).customer).toBe(CUSTOMER);
  });

  it.each([
    {
      name: "missing id",
      value: { ...SEED_ORDER, id: undefined },
      problem: 'the response is missing the required field "id"',
    },
    {
      // Not status: documented create answers have none (README.md, "Where Microsoft's docs disagree").
      name: "missing creationDate",
      value: { ...SEED_ORDER, creationDate: undefined },
      problem: 'the response is missing the required field "creationDate"',
    },
    {
      name: "line item without offerId",
      value: { ...SEED_ORDER, lineItems: [{ lineItemNumber: 0, quantity: 1 }] },
      problem: '/lineItems/0 is missing the required field "offerId"',
    },
    {
      name: "quantity as text",
      value: { ...SEED_ORDER, lineItems: [{ lineItemNumber: 0, offerId: "x", quantity: "1" }] },
      problem: "/lineItems/0/quantity must be integer",
    },
  ])("reports $name", ({ value, problem }) => {
    expect(validateWire("order", value)).toBe(false);
    expect(describeWireProblem("order", value)).toBe(problem);
  });

  it.each([
    { value: { access_token: "a", expires_in: 3599 }, ok: true },
    { value: { access_token: "a", expires_in: "3600", token_type: "Bearer" }, ok: true },
    { value: { access_token: "a" }, ok: false },
    { value: { access_token: "", expires_in: 1 }, ok: false },
  ])("token $value valid=$ok", ({ value, ok }) => expect(validateWire("token", value)).toBe(ok));

  it.each([
    { value: { totalCount: 0, items: [], attributes: { objectType: "Collection" } }, ok: true },
    {
      value: {
        items: [],
        links: { next: { uri: "/x", headers: [{ key: "MS-ContinuationToken", value: "t" }] } },
      },
      ok: true,
    },
    { value: { totalCount: 1 }, ok: false },
    { value: { items: [], links: { next: { method: "GET" } } }, ok: false },
  ])("collection $value valid=$ok", ({ value, ok }) => expect(validateWire("collection", value)).toBe(ok));
});

describe("resolveLinkPath", () => {
  it.each([
    {
      uri: "/customers/c/orders?seekOperation=Next",
      base: "https://api.partnercenter.microsoft.com",
      expected: "/v1/customers/c/orders?seekOperation=Next",
    },
    {
      uri: "/v1/customers/c/orders",
      base: "https://api.partnercenter.microsoft.com",
      expected: "/v1/customers/c/orders",
    },
    { uri: "/customers/c", base: "http://127.0.0.1:8080/pc/", expected: "/pc/v1/customers/c" },
    {
      uri: "https://api.partnercenter.microsoft.com/v1/customers/c",
      base: "https://api.partnercenter.microsoft.com",
      expected: "/v1/customers/c",
    },
    {
      uri: "https://evil.example/v1/customers/c",
      base: "https://api.partnercenter.microsoft.com",
      expected: null,
    },
    { uri: "//evil.example/x", base: "https://api.partnercenter.microsoft.com", expected: null },
  ])("$uri on $base", ({ uri, base, expected }) => expect(resolveLinkPath(uri, base)).toBe(expected));
});
