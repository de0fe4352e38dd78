import { describe, expect, it } from "vitest";
import { contentOf } from "../../../src/core/compare.js";
import { checkLimits } from "../../../src/core/limits.js";
import type { Limits, PlannedSeatChange } from "../../../src/core/limits.js";
import type { DesiredOrder } from "../../../src/core/model.js";
import { createPlan } from "../../../src/core/planner.js";
import { buildDesired, buildInput, buildIntent, buildState, byName } from "./builders.js";

const withQuantity = (name: string, quantity: number): DesiredOrder =>
  buildDesired(name, {
    lineItems: [
      { lineItemNumber: 0, offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", quantity, termDuration: "P1M" },
    ],
    source: { file: `orders/${name.replace("/", "-")}.yaml`, line: 3, column: 1 },
  });

const declared = new Map(
  [withQuantity("contoso/a", 20), withQuantity("contoso/b", 600), withQuantity("contoso/c", 5)].map(
    (d) => [d.name, d] as const,
  ),
);
const creates = [...declared.values()].map((d) => ({ name: d.name, content: contentOf(d) }));

describe("checkLimits", () => {
  it.each<[string, Limits, PlannedSeatChange[], string[]]>([
    ["no limits", {}, [{ name: "contoso/a", lineItemNumber: 0, from: 1, to: 9000 }], []],
    ["every create within maxQuantityPerLineItem", { maxQuantityPerLineItem: 600 }, [], []],
    [
      "a create above maxQuantityPerLineItem",
      { maxQuantityPerLineItem: 500 },
      [],
      ['contoso/b|maxQuantityPerLineItem|order "contoso/b" declares 600 x'],
    ],
    [
      "an update to above maxQuantityPerLineItem",
      { maxQuantityPerLineItem: 600 },
      [{ name: "contoso/a", lineItemNumber: 0, from: 20, to: 601 }],
      ["contoso/a|maxQuantityPerLineItem|from 20 to 601"],
    ],
    [
      "an update up to maxQuantityPerLineItem",
      { maxQuantityPerLineItem: 600 },
      [{ name: "contoso/a", lineItemNumber: 0, from: 20, to: 600 }],
      [],
    ],
    [
      "an increase above maxSeatIncrease",
      { maxSeatIncrease: 50 },
      [{ name: "contoso/a", lineItemNumber: 0, from: 20, to: 71 }],
      ["contoso/a|maxSeatIncrease|would add 51 seats to lineItems[0].quantity (20 -> 71)"],
    ],
    [
      "an increase of exactly maxSeatIncrease",
      { maxSeatIncrease: 50 },
      [{ name: "contoso/a", lineItemNumber: 0, from: 20, to: 70 }],
      [],
    ],
    [
      "a decrease, whatever maxSeatIncrease says",
      { maxSeatIncrease: 1 },
      [{ name: "contoso/b", lineItemNumber: 0, from: 600, to: 2 }],
      [],
    ],
    ["three creates within maxOrdersPerApply", { maxOrdersPerApply: 3 }, [], []],
    [
      "three creates above maxOrdersPerApply",
      { maxOrdersPerApply: 2 },
      [{ name: "contoso/a", lineItemNumber: 0, from: 20, to: 900 }],
      ["-|maxOrdersPerApply|the plan places 3 new orders (contoso/a, contoso/b, contoso/c)"],
    ],
  ])("%s", (_title, limits, updates, expected) => {
    const diagnostics = checkLimits({ limits, creates, updates, declared });
    expect(diagnostics.map((d) => d.severity)).toEqual(expected.map(() => "error"));
    expected.forEach((line, i) => {
      const [name, limit, fragment] = line.split("|") as [string, string, string];
      const d = diagnostics[i]!;
      expect(d.code).toBe("plan.limit-exceeded");
      expect(d.message).toContain(fragment);
      expect(d.message).toContain(`limits.${limit} is ${String(limits[limit as keyof Limits])}`);
      expect(d.hint).toContain(`raise limits.${limit} in the config in the same reviewed change`);
      if (name === "-") expect(d.file).toBeUndefined();
      else expect(`${d.file}:${d.line}:${d.column}`).toBe(`orders/${name.replace("/", "-")}.yaml:3:1`);
    });
  });

  it("names five orders and counts the rest when many pass maxOrdersPerApply", () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ name: `n/${i}`, content: creates[0]!.content }));
    const [d] = checkLimits({ limits: { maxOrdersPerApply: 7 }, creates: many, updates: [], declared });
    expect(d?.message).toBe(
      "the plan places 8 new orders (n/0, n/1, n/2, n/3, n/4 and 3 more): limits.maxOrdersPerApply is 7",
    );
  });
});

describe("createPlan with limits", () => {
  it("refuses a plan that passes a limit, and counts creates but not resumes", () => {
    const resumed = withQuantity("contoso/resumed", 900);
    const input = buildInput({
      desired: [...declared.values(), resumed],
      state: buildState({ pending: byName(buildIntent(resumed)) }),
      options: { limits: { maxOrdersPerApply: 3, maxQuantityPerLineItem: 600 } },
    });
    expect(createPlan(input).diagnostics.filter((d) => d.code === "plan.limit-exceeded")).toEqual([]);

    const lowered = { ...input, options: { ...input.options, limits: { maxOrdersPerApply: 2 } } };
    const plan = createPlan(lowered);
    expect(plan.summary).toMatchObject({ create: 3, resume: 1 });
    expect(plan.diagnostics.map((d) => [d.code, d.severity])).toEqual([["plan.limit-exceeded", "error"]]);
  });
});
