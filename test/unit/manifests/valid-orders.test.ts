import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import type { DesiredOrder } from "../../../src/core/model.js";
import { loadOrders } from "../../../src/manifests/load-orders.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("valid order fixtures", () => {
  it("load to the expected normalized orders, sorted by customer then name", async () => {
    const config = { ...createDefaultConfig(), orders: "test/fixtures/orders-valid" };
    const result = await loadOrders({ config, rootDir: ROOT });
    expect(result.diagnostics).toEqual([]);
    // The hidden .drafts directory is not discovered.
    expect(result.files).toEqual([
      "test/fixtures/orders-valid/azure-ri.yml",
      "test/fixtures/orders-valid/multi/two-orders.yaml",
      "test/fixtures/orders-valid/nce-license.yaml",
    ]);
    const expected: DesiredOrder[] = [
      {
        name: "fabrikam/a-multi-line",
        customer: "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13",
        billingCycle: "annual",
        lineItems: [
          { lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity: 10, termDuration: "P1Y" },
          { lineItemNumber: 1, offerId: "MS-AZR-0145P", quantity: 1 },
        ],
        source: { file: "test/fixtures/orders-valid/multi/two-orders.yaml", line: 10, column: 1 },
      },
      {
        name: "fabrikam/b-legacy",
        customer: "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13",
        billingCycle: "one_time",
        lineItems: [{ lineItemNumber: 0, offerId: "84A03D81-6B37-4D66-8D4A-FAEA24541538", quantity: 3 }],
        source: { file: "test/fixtures/orders-valid/multi/two-orders.yaml", line: 3, column: 1 },
      },
      {
        name: "contoso/m365-business",
        customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
        billingCycle: "monthly",
        partnerOnRecordAttestationAccepted: true,
        lineItems: [
          {
            lineItemNumber: 0,
            offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
            quantity: 25,
            termDuration: "P1Y",
            friendlyName: "Contoso seats",
            partnerIdOnRecord: "873452",
            additionalPartnerIdsOnRecord: ["4847383", "4847384"],
            attestationAccepted: true,
            renewsTo: { termDuration: "P1M" },
            promotionId: "39NFJQT1Q5KL",
          },
        ],
        source: { file: "test/fixtures/orders-valid/nce-license.yaml", line: 3, column: 1 },
      },
      {
        name: "tailspin/reserved-vm",
        customer: "f81d98dd-c2f4-499e-a194-5619e260344e",
        billingCycle: "one_time",
        lineItems: [
          {
            lineItemNumber: 0,
            offerId: "DZH318Z0BQ4B:0047:DZH318Z0DSM8",
            quantity: 1,
            termDuration: "P3Y",
            provisioningContext: {
              subscriptionId: "5198C069-3DAA-403A-8660-5BE11BFD12EE",
              scope: "shared",
              duration: "3Years",
            },
          },
        ],
        source: { file: "test/fixtures/orders-valid/azure-ri.yml", line: 2, column: 1 },
      },
    ];
    expect(result.orders).toEqual(expected);
  });

  it("the repository's own orders/ examples are valid and cover three customers", async () => {
    const config = { ...createDefaultConfig(), orders: "orders" };
    const result = await loadOrders({ config, rootDir: ROOT });
    expect(result.diagnostics).toEqual([]);
    expect(result.orders.length).toBeGreaterThanOrEqual(4);
    expect(result.orders.length).toBeLessThanOrEqual(6);
    expect(new Set(result.orders.map((o) => o.customer))).toEqual(
      new Set([
        "b0d70a69-4c42-4b27-b17b-91a835d8686a",
        "f81d98dd-c2f4-499e-a194-5619e260344e",
        "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13",
      ]),
    );
    // Integration sandbox limits: at most 25 licenses per line and 5 subscriptions per customer.
    const perCustomer = new Map<string, number>();
    for (const order of result.orders) {
      for (const item of order.lineItems) expect(item.quantity).toBeLessThanOrEqual(25);
      perCustomer.set(order.customer, (perCustomer.get(order.customer) ?? 0) + order.lineItems.length);
    }
    for (const count of perCustomer.values()) expect(count).toBeLessThanOrEqual(5);
  });
});
