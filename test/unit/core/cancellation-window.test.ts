import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatTimestampMs, parseTimestampMs } from "../../../src/core/compare.js";
import {
  isNewCommerceOffer,
  isWithinCancellationWindow,
  selectCancellationWindow,
} from "../../../src/core/cancellation-window.js";

describe("the new-commerce cancellation window", () => {
  it.each([
    ["CFQ7TTC0LH18:0001:CFQ7TTC0K59Q", true],
    ["031C9E47-4802-4248-838E-778FB1D2CC05", false],
    ["a:b", false],
    ["a:b:c:d", false],
  ])("offer %s is new commerce: %s", (offerId, expected) => {
    expect(isNewCommerceOffer(offerId)).toBe(expected);
  });

  it.each([
    {
      what: "new commerce, from the creation date",
      input: { offerId: "P:S:A", creationDate: "2026-01-01T10:00:00Z" },
      expected: { until: "2026-01-08T10:00:00.000Z", source: "policy" },
    },
    {
      what: "the service's date wins",
      input: {
        offerId: "P:S:A",
        creationDate: "2026-01-01T10:00:00Z",
        cancellationAllowedUntilDate: "2026-01-05T00:00:00+02:00",
      },
      expected: { until: "2026-01-04T22:00:00.000Z", source: "service" },
    },
    {
      what: "a service date that does not parse falls back to the policy",
      input: { offerId: "P:S:A", creationDate: "2026-01-01T10:00:00Z", cancellationAllowedUntilDate: "soon" },
      expected: { until: "2026-01-08T10:00:00.000Z", source: "policy" },
    },
    {
      what: "a legacy offer has none",
      input: { offerId: "031C9E47-4802-4248-838E-778FB1D2CC05", creationDate: "2026-01-01T10:00:00Z" },
      expected: null,
    },
    {
      what: "an unreadable creation date invents none",
      input: { offerId: "P:S:A", creationDate: "yesterday" },
      expected: null,
    },
  ])("$what", ({ input, expected }) => {
    expect(selectCancellationWindow(input)).toEqual(expected);
  });

  it("includes the window's last millisecond and nothing after", () => {
    const window = { until: "2026-01-08T10:00:00.000Z", source: "policy" as const };
    const until = Date.parse(window.until);
    expect(isWithinCancellationWindow(window, until)).toBe(true);
    expect(isWithinCancellationWindow(window, until + 1)).toBe(false);
  });
});

describe("formatTimestampMs", () => {
  it("writes what Date#toISOString writes, and parseTimestampMs reads it back", () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        const text = formatTimestampMs(ms);
        expect(text).toBe(new Date(ms).toISOString());
        expect(parseTimestampMs(text)).toBe(ms);
      }),
    );
  });
});
