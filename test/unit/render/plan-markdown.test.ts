import { describe, expect, it } from "vitest";
import { MARKDOWN_PART_LIMIT, renderPlanMarkdown } from "../../../src/render/plan-markdown.js";
import {
  createEveryKindPlan,
  createLargePlan,
  createNoChangesPlan,
  createSeatUpdatePlan,
} from "./sample-plans.js";

describe("renderPlanMarkdown", () => {
  it("renders every kind in one part: summary table first, then a <details> per customer", () => {
    const parts = renderPlanMarkdown(createEveryKindPlan());
    expect(parts).toHaveLength(1);
    const md = parts[0] as string;
    expect(md.indexOf("| Customer |")).toBeLessThan(md.indexOf("<details>"));
    expect(md.match(/<details>/g)).toHaveLength(2);
    expect(md).toMatchSnapshot();
  });

  it("says there is nothing to do", () => {
    const parts = renderPlanMarkdown(createNoChangesPlan());
    expect(parts).toHaveLength(1);
    expect(parts[0]).toContain("**No changes.** Your orders match the declarations.");
  });

  it("splits a large plan into numbered parts, each under 65,536 characters, losing no action", () => {
    const plan = createLargePlan(12, 40);
    const parts = renderPlanMarkdown(plan);
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((part, i) => {
      expect(part.length).toBeLessThan(MARKDOWN_PART_LIMIT);
      expect(part.startsWith(`### orderform plan (part ${i + 1} of ${parts.length})\n`)).toBe(true);
      // Every fence and <details> opened in a part is closed in it.
      expect(part.match(/<details>/g)?.length ?? 0).toBe(part.match(/<\/details>/g)?.length ?? 0);
      expect((part.match(/^```/gm)?.length ?? 0) % 2).toBe(0);
    });
    expect(parts[0]).toContain("**Plan: 480 to create, 0 to resume, 0 unchanged.**");
    const titles = parts.join("\n").match(/^\+ create .+$/gm) ?? [];
    expect(titles).toEqual(plan.actions.map((a) => `+ create ${a.name}`));
  });

  it("splits a single customer's block and a single oversized action too", () => {
    const plan = createLargePlan(1, 30);
    const parts = renderPlanMarkdown(plan, { limit: 3000 });
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.length).toBeLessThan(3000);
    expect(parts.slice(1).some((p) => p.includes("(continued)</summary>"))).toBe(true);
    expect(parts.join("\n").match(/^\+ create .+$/gm)).toHaveLength(30);
  });
  it("adds the Update column only to plans with seat changes (other plans stay byte-identical)", () => {
    const md = renderPlanMarkdown(createSeatUpdatePlan()).join("");
    expect(md).toContain(
      "| Customer | Create | Update | Resume | Unchanged | Drift | Conflict | Undeclared |",
    );
    expect(md).toContain("| **Total** | 0 | 1 | 0 | 1 | 0 | 0 | 0 |");
    expect(md).toMatchSnapshot();
    for (const plan of [createEveryKindPlan(), createNoChangesPlan(), createLargePlan(1, 2)]) {
      expect(renderPlanMarkdown(plan).join("")).not.toContain("| Update |");
    }
  });
});
