import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { internStrings } from "../../../src/core/intern.js";

describe("internStrings", () => {
  it("leaves every parsed JSON value equal to what it was", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed: unknown = JSON.parse(text);
        expect(JSON.stringify(internStrings(parsed))).toBe(text);
      }),
    );
  });

  it("walks nesting deeper than the call stack", () => {
    const depth = 100_000;
    const parsed: unknown = JSON.parse(`${"[".repeat(depth)}"deep"${"]".repeat(depth)}`);
    let inner: unknown = internStrings(parsed);
    for (let i = 0; i < depth; i += 1) inner = (inner as unknown[])[0];
    expect(inner).toBe("deep");
  });
});
