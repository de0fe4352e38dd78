import { describe, expect, it } from "vitest";
import {
  isBusinessError,
  parseErrorBody,
  parseRetryAfter,
  PartnerCenterError,
} from "../../../src/partner-center/errors.js";

// Every error example in shared/research/partner-center-api.md (§3, §4, §6), plus the non-JSON
// bodies gateways send.
const cases: { name: string; status: number; body: string; expected: Record<string, unknown> }[] = [
  {
    name: "numeric code (PartnerCenterPowerShellModule #50)",
    status: 400,
    body: '{"code":0,"description":"The provided value \'none\' is not a valid OrderStatus.","data":[],"source":"PartnerFD"}',
    expected: {
      serviceCode: 0,
      description: "The provided value 'none' is not a valid OrderStatus.",
      data: [],
      source: "PartnerFD",
    },
  },
  {
    name: "string code (SDK fixture)",
    status: 400,
    body: '{"code":"2000","description":"ParentSubscriptionId is not supported for this request.","data":[],"source":"PartnerApiServiceControllers"}',
    expected: {
      serviceCode: "2000",
      description: "ParentSubscriptionId is not supported for this request.",
      source: "PartnerApiServiceControllers",
    },
  },
  {
    name: "order in progress",
    status: 409,
    body: '{"code":800060,"description":"Your order is in progress. Please check your order history for recent orders in few minutes","data":[],"source":"OMS"}',
    expected: { serviceCode: 800060, source: "OMS" },
  },
  {
    name: "throttling shape",
    status: 429,
    body: '{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds." }',
    expected: {
      serviceCode: 429,
      description: "Rate limit is exceeded. Try again in 57 seconds.",
      retryAfterMs: 57_000,
    },
  },
  {
    name: "code without data or source",
    status: 404,
    body: '{"code":20000,"description":"Order Id not found"}',
    expected: { serviceCode: 20000, description: "Order Id not found", data: undefined, source: undefined },
  },
  {
    name: "code with empty description falls back to the status text",
    status: 503,
    body: '{"code":"503","description":"","source":"x"}',
    expected: { serviceCode: "503", description: "Service Unavailable" },
  },
  {
    name: "Entra ID token error",
    status: 401,
    body: '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1\\r\\nTimestamp: 2"}',
    expected: {
      serviceCode: "invalid_client",
      description: "AADSTS7000215: Invalid client secret provided.",
    },
  },
  {
    name: "nested Azure-style error",
    status: 400,
    body: '{"error":{"code":"InvalidInput","message":"bad"}}',
    expected: { serviceCode: "InvalidInput", description: "bad" },
  },
  {
    name: "HTML gateway page",
    status: 502,
    body: "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad</h1></body></html>",
    expected: { serviceCode: undefined, description: "502 Bad Gateway" },
  },
  {
    name: "empty body",
    status: 504,
    body: "",
    expected: { serviceCode: undefined, description: "Gateway Timeout" },
  },
  {
    name: "plain text",
    status: 500,
    body: "  upstream connect error  ",
    expected: { description: "upstream connect error" },
  },
  {
    name: "broken JSON",
    status: 500,
    body: '{"code": 1,',
    expected: { serviceCode: undefined, description: '{"code": 1,' },
  },
  {
    name: "JSON array",
    status: 400,
    body: "[1,2]",
    expected: { serviceCode: undefined, description: "[1,2]" },
  },
];

describe("parseErrorBody", () => {
  it.each(cases)("$name", ({ status, body, expected }) => {
    const parsed = parseErrorBody(status, body) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) expect(parsed[key], key).toEqual(value);
  });

  it("truncates descriptions to the documented 1024 characters", () => {
    const parsed = parseErrorBody(400, JSON.stringify({ code: 1, description: "x".repeat(5000) }));
    expect(parsed.description.length).toBe(1025);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-01-01T00:00:00Z");
  it.each([
    { value: undefined, expected: undefined },
    { value: "57", expected: 57_000 },
    { value: " 0 ", expected: 0 },
    { value: "1.5", expected: 1500 },
    { value: "Mon, 01 Jan 2024 00:00:10 GMT", expected: 10_000 },
    { value: "Sun, 31 Dec 2023 23:59:00 GMT", expected: 0 },
    { value: "soon", expected: undefined },
  ])("$value -> $expected", ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("PartnerCenterError", () => {
  const error = new PartnerCenterError({
    httpStatus: 400,
    serviceCode: 800004,
    description: "Invalid offer Id",
    requestId: "r-1",
    correlationId: "c-1",
    retryable: false,
    operation: "createOrder",
    customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
  });

  it("keeps the stable orderform code and the service's code apart", () => {
    expect(error.code).toBe("partner-center.http");
    expect(error.serviceCode).toBe(800004);
    expect(error.message).toBe(
      "createOrder for customer b0d70a69-4c42-4b27-b17b-91a835d8686a failed: HTTP 400 (code 800004): Invalid offer Id [request id r-1, correlation id c-1]",
    );
  });

  it.each([
    { status: 400, retryable: false, business: true },
    { status: 403, retryable: false, business: true },
    { status: 409, retryable: true, business: false },
    { status: 429, retryable: true, business: false },
    { status: 503, retryable: true, business: false },
    { status: 500, retryable: false, business: false },
  ])("isBusinessError($status, retryable=$retryable) = $business", ({ status, retryable, business }) => {
    const e = new PartnerCenterError({
      httpStatus: status,
      description: "d",
      retryable,
      operation: "createOrder",
    });
    expect(isBusinessError(e)).toBe(business);
  });

  it("is not a business error when it is not a PartnerCenterError", () => {
    expect(isBusinessError(new Error("x"))).toBe(false);
  });
});
