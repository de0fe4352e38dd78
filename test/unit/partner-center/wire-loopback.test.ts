/**
 * Wire details the sandbox does not expose, checked against a scripted node:http server on
 * 127.0.0.1: the exact headers, paging through links.next, 409/800060 handling, and refusal of
 * malformed answers.
 */
import { describe, expect, it } from "vitest";
import { createTokenProvider } from "../../../src/partner-center/auth.js";
import { createPartnerCenterClient } from "../../../src/partner-center/client.js";
import { closers, startScripted } from "./scripted-server.js";

const CUSTOMER = "b0d70a69-4c42-4b27-b17b-91a835d8686a";

const ORDER = {
  id: "5cf72f146967",
  referenceCustomerId: CUSTOMER,
  billingCycle: "monthly",
  status: "pending",
  creationDate: "2024-05-01T10:00:00.0000000Z",
  lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K59S", quantity: 3 }],
};

function createClient(url: string, extra: { logs?: string[] } = {}) {
  const client = createPartnerCenterClient({
    baseUrl: url,
    tokenProvider: createTokenProvider({ mode: "token", tokenEnv: "T" }, { T: "static-access-token" }),
    applicationName: "orderform/1.2.3",
    locale: "de-DE",
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...(extra.logs === undefined ? {} : { logger: (line: string) => extra.logs?.push(line) }),
  });
  closers.push(() => client.close());
  return client;
}

describe("client wire behaviour", () => {
  it("sends the documented headers and a camelCase body", async () => {
    const { url, seen } = await startScripted(() => ({ status: 201, body: ORDER }));
    const client = createClient(url);
    await client.createOrder(
      CUSTOMER,
      {
        customer: CUSTOMER,
        billingCycle: "monthly",
        lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K59S", quantity: 3 }],
      },
      { requestId: "11111111-2222-4333-8444-555555555555" },
    );
    const request = seen[0];
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`/v1/customers/${CUSTOMER}/orders`);
    expect(request?.headers).toMatchObject({
      authorization: "Bearer static-access-token",
      accept: "application/json",
      "content-type": "application/json",
      "ms-requestid": "11111111-2222-4333-8444-555555555555",
      "ms-contract-version": "v1",
      "x-locale": "de-DE",
      "ms-partnercenter-application": "orderform/1.2.3",
    });
    expect(request?.headers["ms-correlationid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      billingCycle: "monthly",
      lineItems: [{ lineItemNumber: 0, offerId: "CFQ7TTC0LH18:0001:CFQ7TTC0K59S", quantity: 3 }],
    });
  });

  it("waits on 409/800060 and retries the create with the same request id", async () => {
    const { url, seen } = await startScripted((_, i) =>
      i < 2
        ? {
            status: 409,
            body: { code: 800060, description: "Your order is in progress.", data: [], source: "OMS" },
          }
        : { status: 201, body: ORDER },
    );
    const client = createClient(url);
    const reasons: string[] = [];
    const order = await client.createOrder(
      CUSTOMER,
      { customer: CUSTOMER, billingCycle: "monthly", lineItems: [] },
      {
        requestId: "rid-1",
        onRetry: (info) => reasons.push(info.reason),
      },
    );
    expect(order.id).toBe("5cf72f146967");
    expect(reasons).toEqual(["409 800060", "409 800060"]);
    expect(seen.map((s) => s.headers["ms-requestid"])).toEqual(["rid-1", "rid-1", "rid-1"]);
    expect(new Set(seen.map((s) => s.headers["ms-correlationid"])).size).toBe(3);
  });

  it("does not retry a 400 about a reused request id", async () => {
    const { url, seen } = await startScripted(() => ({
      status: 400,
      body: {
        code: "800002",
        description: "Invalid request input: MS-RequestId x was already used for a different request",
        source: "OMS",
      },
    }));
    const error = await createClient(url)
      .createOrder(
        CUSTOMER,
        { customer: CUSTOMER, billingCycle: "monthly", lineItems: [] },
        { requestId: "x" },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ httpStatus: 400, serviceCode: "800002", retryable: false });
    expect(seen).toHaveLength(1);
  });

  it("follows links.next with MS-ContinuationToken and a new request id per page", async () => {
    const { url, seen } = await startScripted((s) => {
      if (s.headers["ms-continuationtoken"] === undefined) {
        return {
          status: 200,
          body: {
            totalCount: 1,
            items: [ORDER],
            links: {
              next: {
                uri: `/customers/${CUSTOMER}/orders?seekOperation=Next`,
                method: "GET",
                headers: [{ key: "MS-ContinuationToken", value: "page-2" }],
              },
            },
          },
        };
      }
      return {
        status: 200,
        body: {
          totalCount: 1,
          items: [{ ...ORDER, id: "second" }],
          attributes: { objectType: "Collection" },
        },
      };
    });
    const orders = await createClient(url).listOrders(CUSTOMER);
    expect(orders.map((o) => o.id)).toEqual(["5cf72f146967", "second"]);
    expect(seen[1]?.url).toBe(`/v1/customers/${CUSTOMER}/orders?seekOperation=Next`);
    expect(seen[1]?.headers["ms-continuationtoken"]).toBe("page-2");
    expect(seen[0]?.headers["ms-requestid"]).not.toBe(seen[1]?.headers["ms-requestid"]);
  });

  it.each([
    {
      name: "a next link to another host (the token must not leave)",
      reply: { status: 200, body: { items: [], links: { next: { uri: "https://elsewhere.example/v1/x" } } } },
      message: "links.next points to another host",
    },
    {
      name: "an order without its id",
      reply: { status: 200, body: { items: [{ ...ORDER, id: undefined }] } },
      message: 'items[0]: the response is missing the required field "id"',
    },
    {
      name: "a body that is not JSON",
      reply: { status: 200, raw: "<html>ok</html>" },
      message: "the body is not JSON",
    },
  ])("refuses $name", async ({ reply, message }) => {
    const { url } = await startScripted(() => reply);
    const error = await createClient(url)
      .listOrders(CUSTOMER)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "partner-center.invalid-response" });
    expect((error as Error).message).toContain(message);
  });

  it("parses a non-JSON 502 and gives up after the attempt budget with the same request id", async () => {
    const { url, seen } = await startScripted(() => ({
      status: 502,
      raw: "<html><title>502 Bad Gateway</title></html>",
      headers: { "content-type": "text/html" },
    }));
    const error = await createClient(url)
      .getOrder(CUSTOMER, "o-1")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      httpStatus: 502,
      description: "502 Bad Gateway",
      retryable: true,
      operation: "getOrder",
      orderId: "o-1",
    });
    expect(seen).toHaveLength(6);
    expect(new Set(seen.map((s) => s.headers["ms-requestid"])).size).toBe(1);
  });

  it("a 401 with a token that cannot be renewed is not retried", async () => {
    const { url, seen } = await startScripted(() => ({
      status: 401,
      body: { code: "400", description: "Access denied", source: "PartnerFD" },
    }));
    const error = await createClient(url)
      .listOrders(CUSTOMER)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ httpStatus: 401, serviceCode: "400", retryable: false });
    expect(seen).toHaveLength(1);
  });
});

describe("token endpoint requests", () => {
  it.each([
    {
      mode: "app" as const,
      path: "/tenant-1/oauth2/v2.0/token",
      form: {
        grant_type: "client_credentials",
        client_id: "app-1",
        client_secret: "s3cret-value",
        scope: "https://api.partnercenter.microsoft.com/.default",
      },
      reply: { access_token: "tok-app", expires_in: 3599, token_type: "Bearer" },
    },
    {
      mode: "app+user" as const,
      path: "/tenant-1/oauth2/token",
      form: {
        grant_type: "refresh_token",
        client_id: "app-1",
        client_secret: "s3cret-value",
        refresh_token: "refresh-value",
        resource: "https://api.partnercenter.microsoft.com",
        scope: "openid",
      },
      reply: {
        access_token: "tok-user",
        expires_in: "3600",
        token_type: "Bearer",
        resource: "https://api.partnercenter.microsoft.com",
      },
    },
  ])("$mode posts the documented form to $path", async ({ mode, path, form, reply }) => {
    const { url, seen } = await startScripted(() => ({ status: 200, body: reply }));
    const provider = createTokenProvider(
      {
        mode,
        tenantId: "tenant-1",
        clientId: "app-1",
        clientSecretEnv: "S",
        refreshTokenEnv: "R",
        authorityHost: `${url}/`,
      },
      { S: "s3cret-value", R: "refresh-value" },
    );
    expect(await provider.getToken()).toBe(reply.access_token);
    expect(await provider.getToken()).toBe(reply.access_token); // cached
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe(path);
    expect(seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(seen[0]?.body))).toEqual(form);
  });

  it("retries a 503 from the token endpoint, then reports a refusal without the secret", async () => {
    const { url, seen } = await startScripted((_, i) =>
      i === 0
        ? { status: 503, raw: "" }
        : {
            status: 400,
            body: {
              error: "invalid_client",
              error_description: "AADSTS7000215: Invalid client secret provided: s3cret-value\r\nTrace ID: x",
            },
          },
    );
    const provider = createTokenProvider(
      { mode: "app", tenantId: "t", clientId: "c", clientSecretEnv: "S", authorityHost: url },
      { S: "s3cret-value" },
      { random: () => 0 },
    );
    const error = (await provider.getToken().catch((e: unknown) => e)) as Error;
    expect(seen).toHaveLength(2);
    expect(error).toMatchObject({ code: "auth.token-failed" });
    expect(error.message).toContain("AADSTS7000215");
    expect(error.message).not.toContain("s3cret-value");
  });
});
