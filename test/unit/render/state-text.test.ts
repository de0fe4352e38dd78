import { describe, expect, it } from "vitest";
import { parseTimestampMs } from "../../../src/core/compare.js";
import { createStateOrderJson, renderStateOrder } from "../../../src/render/state-text.js";
import { buildDesired, buildStateOrder } from "../core/builders.js";

const order = buildStateOrder(buildDesired("contoso/seats"), {
  orderId: "ord-1",
  creationDate: "2025-03-01T10:00:00Z",
});
const legacy = buildStateOrder(
  buildDesired("contoso/legacy", {
    lineItems: [{ lineItemNumber: 0, offerId: "84A03D81-6B37-4D66-8D4A-FAEA24541538", quantity: 3 }],
  }),
);
const during = parseTimestampMs("2025-03-08T09:59:59Z")!;
const after = parseTimestampMs("2025-03-08T10:00:00.001Z")!;

describe("state show", () => {
  it("prints until when a new-commerce order can be cancelled, or that its window closed", () => {
    expect(renderStateOrder(order, during)).toContain(
      "\ncancellation:   cancellable until 2025-03-08T10:00:00.000Z (seats reduced or the order cancelled in Partner Center)\n",
    );
    expect(renderStateOrder(order, after)).toContain(
      "\ncancellation:   cancellation window closed at 2025-03-08T10:00:00.000Z\n",
    );
  });

  it("prints nothing about a window for a legacy order, whose JSON is the record as it is", () => {
    expect(renderStateOrder(legacy, during)).not.toContain("cancellation");
    expect(createStateOrderJson(legacy, during)).toBe(legacy);
  });

  it("carries the window in JSON", () => {
    expect(createStateOrderJson(order, during).cancellationWindow).toEqual({
      until: "2025-03-08T10:00:00.000Z",
      source: "policy",
      open: true,
    });
    expect(createStateOrderJson(order, after).cancellationWindow?.open).toBe(false);
  });
});
