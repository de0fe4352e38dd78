import { describe, expect, it } from "vitest";
import { createPlan } from "../../../src/core/planner.js";
import { createColors, stripColors } from "../../../src/render/colors.js";
import { renderPlanText, renderPlanTextChunks } from "../../../src/render/plan-text.js";
import { buildDesired, buildInput } from "../core/builders.js";
import { createEveryKindPlan, createNoChangesPlan } from "./sample-plans.js";

const ESC = "\u001b[";

describe("createColors", () => {
  it.each([
    { enabled: false, expected: "go" },
    { enabled: true, expected: `${ESC}32mgo${ESC}39m` },
  ])("enabled=$enabled", ({ enabled, expected }) => {
    expect(createColors(enabled).green("go")).toBe(expected);
    expect(stripColors(createColors(enabled).red(createColors(enabled).bold("x")))).toBe("x");
  });
});

describe("renderPlanText", () => {
  it("renders every kind, colour off", () => {
    const text = renderPlanText(createEveryKindPlan(), { color: false });
    expect(text).not.toContain(ESC);
    expect(text).toMatchSnapshot();
  });

  it("renders every kind, colour on, with the same words", () => {
    const plan = createEveryKindPlan();
    const colored = renderPlanText(plan, { color: true });
    expect(colored).toContain(ESC);
    expect(stripColors(colored)).toBe(renderPlanText(plan, { color: false }));
    expect(colored).toMatchSnapshot();
  });

  it("says the essentials in Terraform's words", () => {
    const text = renderPlanText(createEveryKindPlan(), { color: false });
    for (const expected of [
      "Note: Objects have changed outside orderform",
      "  + create contoso/new-seats",
      "  ~ resume fabrikam/resumed",
      "  ! drift contoso/cancelled",
      "  x conflict contoso/edited",
      "--replace contoso/edited",
      "Restore the declaration in orders/contoso.yaml:14:1",
      "`orderform state rm contoso/old`",
      "if unanswered: records order ord-adopted",
      "contoso/recent: Order ord-recent is recent and not in the customer's list yet; it is not placed again.",
      "\nPlan: 1 to create, 2 to resume, 2 unchanged.\n",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("says there is nothing to do", () => {
    expect(renderPlanText(createNoChangesPlan(), { color: false })).toBe(
      "No changes. Your orders match the declarations.\n",
    );
  });

  it("shows the summary line for a plain create", () => {
    const text = renderPlanText(createPlan(buildInput({ desired: [buildDesired("contoso/seats")] })), {
      color: false,
    });
    expect(text.trimEnd().split("\n").at(-1)).toBe("Plan: 1 to create, 0 to resume, 0 unchanged.");
  });

  it("hands a large plan on in whole lines of about 64 KB, each create once and in plan order", () => {
    const names = Array.from({ length: 3000 }, (_, i) => `contoso/seats-${String(i).padStart(4, "0")}`);
    const plan = createPlan(buildInput({ desired: names.map((name) => buildDesired(name)) }));
    const chunks = [...renderPlanTextChunks(plan, { color: false })];
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.endsWith("\n")).toBe(true);
      expect(chunk.length).toBeLessThan(64 * 1024 + 1024);
    }
    const text = chunks.join("");
    expect(text).toBe(renderPlanText(plan, { color: false }));
    const created = text.split("\n").filter((line) => line.startsWith("  + create "));
    expect(created).toEqual(names.map((name) => `  + create ${name}`));
    expect(text.trimEnd().split("\n").at(-1)).toBe("Plan: 3000 to create, 0 to resume, 0 unchanged.");
  });
});
