/**
 * The client's customer operations against the real sandbox over 127.0.0.1 (docs/generate.md):
 * the partner's customers page by page (size, links.next with the MS-ContinuationToken header),
 * only the partner's own, and one customer by id, null for a customer that is not the partner's.
 */
import { describe, expect, it } from "vitest";
import { SANDBOX_OTHER_PARTNER } from "../../../src/sandbox/defaults.js";
import { CONTOSO, startLoopbackHarness } from "./loopback-harness.js";

const BUILT_IN = 5;

function createCustomerId(n: number): string {
  return `00000000-0000-4000-9000-${n.toString(16).padStart(12, "0")}`;
}

describe("customers", () => {
  it("lists every customer of the partner across pages, in order, and none of another partner", async () => {
    const { client, admin } = await startLoopbackHarness();
    const added = Array.from({ length: 250 }, (_, i) => ({
      id: createCustomerId(i),
      companyProfile: { companyName: `Customer number ${i}` },
    }));
    await admin("POST", "/_sandbox/customers", added);
    await admin("POST", "/_sandbox/customers", {
      id: createCustomerId(999),
      companyName: "Someone else's",
      partnerTenantId: SANDBOX_OTHER_PARTNER.tenantId,
    });
    const before = client.stats.requests;
    const customers = await client.listCustomers({ pageSize: 40 });
    expect(customers).toHaveLength(BUILT_IN + 250);
    expect(customers.slice(BUILT_IN).map((c) => c.id)).toEqual(added.map((c) => c.id));
    expect(customers.find((c) => c.id === CONTOSO)?.companyName).toBe("Contoso");
    expect(customers.at(-1)?.companyName).toBe("Customer number 249");
    expect(customers.some((c) => c.id === createCustomerId(999))).toBe(false);
    // 255 customers in pages of 40: one request per page.
    expect(client.stats.requests - before).toBe(7);
  });

  it("reads one customer by id, and answers null for an unknown one and another partner's", async () => {
    const { client } = await startLoopbackHarness();
    expect(await client.getCustomer(CONTOSO.toUpperCase())).toEqual({ id: CONTOSO, companyName: "Contoso" });
    expect(await client.getCustomer("0badc0de-0000-4000-8000-000000000000")).toBeNull();
    expect(await client.getCustomer("c4e6a8b0-2d1f-4a3c-8e5b-7d9f1a2b3c4d")).toBeNull();
  });
});
