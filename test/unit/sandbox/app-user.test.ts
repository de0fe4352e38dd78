/**
 * App+User routes (docs/sandbox.md): a customer flagged as an indirect reseller's customer through
 * the admin API refuses orders placed with an app-only token (client credentials) with 403 900150,
 * before any request id is claimed; an App+User token (refresh-token grant) places them; the
 * routes the docs open to app-only tokens answer both.
 */
import { describe, expect, it } from "vitest";
import { SANDBOX_PARTNER } from "../../../src/sandbox/index.js";
import { findRoute } from "../../../src/sandbox/route-table.js";
import { BASIC, CONTOSO, createLicenseOrder, useSharedSandbox } from "./helpers.js";

const t = useSharedSandbox();
const RESELLERS_CUSTOMER = "8e3c1a2b-4d5f-4a6b-9c7d-0e1f2a3b4c5d";
const ORDERS = `/v1/customers/${RESELLERS_CUSTOMER}/orders`;

/** An App+User access token of the sandbox's partner: the refresh-token grant, as mode app+user signs in. */
async function fetchAppUserToken(): Promise<string> {
  const res = await fetch(`${t.url}/${SANDBOX_PARTNER.tenantId}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: SANDBOX_PARTNER.clientId,
      refresh_token: SANDBOX_PARTNER.refreshToken,
      resource: "https://api.partnercenter.microsoft.com",
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function registerResellersCustomer(): Promise<void> {
  const added = await t.admin("POST", "/_sandbox/customers", {
    id: RESELLERS_CUSTOMER,
    companyName: "Adatum (customer of an indirect reseller)",
    indirectReseller: true,
  });
  expect(added.status).toBe(200);
  expect(added.body.items).toEqual([expect.objectContaining({ indirectReseller: true })]);
}

describe("orders for a customer of an indirect reseller", () => {
  it("refuses an app-only token 403 900150 without recording the request id; App+User places the same request", async () => {
    await registerResellersCustomer();
    const requestId = "5d1f0c3e-7a2b-4c6d-8e9f-0a1b2c3d4e5f";
    const refused = await t.call("POST", ORDERS, createLicenseOrder(BASIC), { "MS-RequestId": requestId });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: "900150",
      description: "The supplied role does not have the rights to perform the requested operation.",
    });
    expect((await t.admin("GET", `/_sandbox/orders?customer=${RESELLERS_CUSTOMER}`)).body.items).toEqual([]);

    const appUser = await fetchAppUserToken();
    const placed = await t.call("POST", ORDERS, createLicenseOrder(BASIC), {
      "MS-RequestId": requestId,
      Authorization: `Bearer ${appUser}`,
    });
    expect(placed.status).toBe(201);
    expect(placed.headers.get("MS-Replayed")).toBeNull();
  });

  it("answers app-only reads of the same customer (listing, getting an order, its subscriptions)", async () => {
    await registerResellersCustomer();
    const placed = await t.call("POST", ORDERS, createLicenseOrder(BASIC), {
      Authorization: `Bearer ${await fetchAppUserToken()}`,
    });
    const orderId = String(placed.body.id);
    expect((await t.call("GET", ORDERS)).status).toBe(200);
    expect((await t.call("GET", `${ORDERS}/${orderId}`)).status).toBe(200);
    expect(
      (await t.call("GET", `/v1/customers/${RESELLERS_CUSTOMER}/subscriptions?order_id=${orderId}`)).status,
    ).toBe(200);
  });

  it("leaves direct customers to app-only tokens, and refuses a flag that is no boolean", async () => {
    expect((await t.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC))).status).toBe(
      201,
    );
    const bad = await t.admin("POST", "/_sandbox/customers", {
      id: RESELLERS_CUSTOMER,
      indirectReseller: "yes",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("indirectReseller must be a boolean");
  });

  it("marks only the create route as App+User for indirect resellers' customers", () => {
    expect(findRoute("POST", ORDERS).match.appUser).toBe("indirect-reseller-customers");
    expect(findRoute("GET", ORDERS).match.appUser).toBe("never");
    expect(findRoute("PATCH", `${ORDERS}/o1`).match.appUser).toBe("never");
  });
});
