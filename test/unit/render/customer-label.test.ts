import { describe, expect, it } from "vitest";
import { createPlan } from "../../../src/core/planner.js";
import { renderCustomerLabel, renderMarkdownName } from "../../../src/render/customer-label.js";
import { renderPlanMarkdown } from "../../../src/render/plan-markdown.js";
import { renderPlanText } from "../../../src/render/plan-text.js";
import { renderStateList, renderStateOrder } from "../../../src/render/state-text.js";
import { CONTOSO, buildDesired, buildInput, buildState, buildStateOrder, byName } from "../core/builders.js";

/** A company name written to break out of every place it is shown. */
const HOSTILE =
  "Evil | Corp `x` <!-- <b>*bold*</b> [link](https://e.example) @team\n\u001b[2J\u001b]8;;x\u0007";

describe("renderCustomerLabel", () => {
  it("shows the id alone without a name, and the name beside it on one line without control characters", () => {
    expect(renderCustomerLabel(CONTOSO, undefined)).toBe(CONTOSO);
    expect(renderCustomerLabel(CONTOSO, "Contoso Ltd")).toBe(`${CONTOSO} (Contoso Ltd)`);
    expect(renderCustomerLabel(CONTOSO, "\u001b\n")).toBe(CONTOSO);
    const label = renderCustomerLabel(CONTOSO, HOSTILE);
    expect([...label].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\u007f")).toBe(false);
    expect(label.startsWith(`${CONTOSO} (Evil | Corp`)).toBe(true);
  });
});

describe("renderMarkdownName", () => {
  it("leaves nothing that markdown, GitHub or HTML would act on", () => {
    const md = renderMarkdownName(HOSTILE);
    for (const text of ["|", "`", "<", ">", "<!--", "[", "](", "*", "@", "\n", "\u001b"])
      expect(md).not.toContain(text);
    expect(md).toContain("Evil &#124; Corp &#96;x&#96; &#60;&#33;--");
    expect(renderMarkdownName(undefined)).toBe("");
    expect(renderMarkdownName("Contoso Ltd")).toBe("Contoso Ltd");
  });
});

describe("names in the plan and state views", () => {
  const desired = [buildDesired("contoso/new")];
  const plan = createPlan(buildInput({ desired, remote: { companyNames: { [CONTOSO]: HOSTILE } } }));

  it("plan text: the customer heading, one line, no control characters", () => {
    const text = renderPlanText(plan, { color: false });
    const heading = text.split("\n").find((line) => line.startsWith("  Customer "));
    expect(heading).toBe(`  Customer ${renderCustomerLabel(CONTOSO, HOSTILE)}`);
    expect(text).not.toContain("\u001b");
  });

  it("plan markdown: the table row stays one row of the table and the <details> summary stays closed", () => {
    const [md = ""] = renderPlanMarkdown(plan);
    const row = md.split("\n").find((line) => line.startsWith(`| \`${CONTOSO}\``));
    expect(row).toBe(`| \`${CONTOSO}\` (${renderMarkdownName(HOSTILE)}) | 1 | 0 | 0 | 0 | 0 | 0 |`);
    expect(md).toContain(
      `<details><summary>Customer <code>${CONTOSO}</code> (${renderMarkdownName(HOSTILE)}): 1 to create</summary>`,
    );
    expect(md).not.toContain("<!--");
    expect(md).not.toContain("<b>");
  });

  it("state list and show", () => {
    const order = buildStateOrder(desired[0]!);
    const state = {
      ...buildState({ orders: byName(order) }),
      customers: { [CONTOSO]: { companyName: "Contoso Ltd", seenAt: "2025-02-01T10:00:00Z" } },
    };
    expect(renderStateList(state)).toBe(`contoso/new  customer ${CONTOSO} (Contoso Ltd)\n`);
    expect(renderStateList(buildState({ orders: byName(order) }))).toBe(`contoso/new  customer ${CONTOSO}\n`);
    expect(renderStateOrder(order, 0, [], "Contoso Ltd")).toContain(
      `customer:       ${CONTOSO} (Contoso Ltd)\n`,
    );
  });
});
