/**
 * --refresh=false and --refresh-only in the pure core (docs/planning.md, "Refresh"): which
 * customers a plan that trusts the state lists, and what the planner makes of customers not listed
 * and of a drift-only plan.
 */
import { describe, expect, it } from "vitest";
import type { DesiredOrder, StateFile } from "../../../src/core/model.js";
import { selectCustomersWithWork } from "../../../src/core/plan-scope.js";
import { createPlan } from "../../../src/core/planner.js";
import { renderPlanMarkdown } from "../../../src/render/plan-markdown.js";
import { renderPlanText } from "../../../src/render/plan-text.js";
import {
  CONTOSO,
  FABRIKAM,
  NOW,
  buildDesired,
  buildInput,
  buildIntent,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";

const TAILSPIN = "f81d98dd-c2f4-499e-a194-5619e260344e";
const WINDOW_MS = 15 * 60_000;
const contoso = buildDesired("contoso/seats");
const fabrikam = buildDesired("fabrikam/seats", { customer: FABRIKAM });
const tailspin = buildDesired("tailspin/seats", { customer: TAILSPIN });
const withSeats = (d: DesiredOrder, quantity: number): DesiredOrder => ({
  ...d,
  lineItems: [{ ...(d.lineItems[0] as DesiredOrder["lineItems"][number]), quantity }],
});
/** Every order placed, completed and long confirmed: nothing to list. */
const settled = (): StateFile =>
  buildState({
    orders: byName(buildStateOrder(contoso), buildStateOrder(fabrikam), buildStateOrder(tailspin)),
  });
const select = (
  desired: DesiredOrder[],
  state: StateFile | null,
  options: { customers?: string[]; replace?: string[] } = {},
) =>
  selectCustomersWithWork({
    desired,
    state,
    now: NOW,
    options: {
      customers: options.customers ?? [],
      replace: options.replace ?? [],
      visibilityWindowMs: WINDOW_MS,
    },
  });

describe("selectCustomersWithWork", () => {
  it("lists nobody when every declared order is placed, unchanged and confirmed", () => {
    expect(select([contoso, fabrikam, tailspin], settled())).toEqual([]);
  });

  it("lists the customer of a create, of a seat edit and of a conflicting edit", () => {
    const extra = buildDesired("fabrikam/extra", { customer: FABRIKAM });
    expect(select([contoso, fabrikam, tailspin, extra], settled())).toEqual([FABRIKAM]);
    expect(select([withSeats(contoso, 30), fabrikam, tailspin], settled())).toEqual([CONTOSO]);
    const retermed = {
      ...tailspin,
      lineItems: [
        { ...(tailspin.lineItems[0] as DesiredOrder["lineItems"][number]), termDuration: "P1Y" as const },
      ],
    };
    expect(select([contoso, fabrikam, retermed], settled())).toEqual([TAILSPIN]);
  });

  it("lists the customers of pending intents, started seat changes, --replace names and unconfirmed records", () => {
    const state = settled();
    state.pending = byName(buildIntent(buildDesired("contoso/new")));
    expect(select([contoso, fabrikam, tailspin], state)).toEqual([CONTOSO]);

    const started = settled();
    started.pendingUpdates = {
      "fabrikam/seats#0": {
        name: "fabrikam/seats",
        customer: FABRIKAM,
        orderId: "order-fabrikam-seats",
        lineItemNumber: 0,
        subscriptionId: "sub-1",
        from: 25,
        to: 30,
        requestId: "req-update",
        startedAt: NOW,
      },
    };
    expect(select([contoso, fabrikam, tailspin], started)).toEqual([FABRIKAM]);
    expect(select([contoso, fabrikam, tailspin], settled(), { replace: ["tailspin/seats"] })).toEqual([
      TAILSPIN,
    ]);

    const unconfirmed = buildState({
      orders: byName(
        buildStateOrder(contoso, { status: "pending" }),
        // Recorded two minutes ago: it may still be missing from its list.
        buildStateOrder(fabrikam, {
          creationDate: "2025-03-01T11:58:00Z",
          recordedAt: "2025-03-01T11:58:00Z",
        }),
        buildStateOrder(tailspin),
      ),
    });
    expect(select([contoso, fabrikam, tailspin], unconfirmed)).toEqual([CONTOSO, FABRIKAM].sort());
  });

  it("keeps to --customer", () => {
    const extra = buildDesired("fabrikam/extra", { customer: FABRIKAM });
    expect(select([contoso, fabrikam, tailspin, extra], settled(), { customers: [CONTOSO] })).toEqual([]);
  });
});

describe("createPlan with refresh", () => {
  const state = settled();
  const placed = state.orders;
  const extra = buildDesired("fabrikam/extra", { customer: FABRIKAM });
  // contoso's order was cancelled outside orderform; only fabrikam is listed by --refresh=false.
  const cancelled = buildRemoteFor(placed["contoso/seats"]!, { status: "cancelled" });

  it("skipped: trusts the records of customers not listed, reports no drift there, and says so", () => {
    const plan = createPlan(
      buildInput({
        desired: [contoso, fabrikam, tailspin, extra],
        state,
        remote: { lists: { [FABRIKAM]: [buildRemoteFor(placed["fabrikam/seats"]!)] } },
        options: { refresh: "skipped" },
      }),
    );
    expect(plan.refresh).toBe("skipped");
    expect(plan.summary).toMatchObject({ create: 1, noop: 3, drift: 0 });
    expect(
      plan.actions.filter((a) => a.kind === "no-op").map((a) => [a.name, a.kind === "no-op" && a.seen]),
    ).toEqual([
      ["fabrikam/seats", "listed"],
      ["contoso/seats", "not-checked"],
      ["tailspin/seats", "not-checked"],
    ]);
    const text = renderPlanText(plan, { color: false });
    expect(text).toContain("2 orders of the others are trusted as recorded in state.");
    expect(text).not.toContain("the customer's orders were not fetched");
  });

  const everyoneListed = () => ({
    [CONTOSO]: [cancelled],
    [FABRIKAM]: [buildRemoteFor(placed["fabrikam/seats"]!)],
    [TAILSPIN]: [buildRemoteFor(placed["tailspin/seats"]!)],
  });

  it("only: keeps drift and unchanged orders, drops what would be bought and its checks", () => {
    const plan = createPlan(
      buildInput({
        desired: [contoso, withSeats(fabrikam, 99), tailspin, extra],
        state,
        remote: { lists: everyoneListed() },
        // A limit the seat edit passes: a buying plan reports it, a drift-only plan does not.
        options: { refresh: "only", limits: { maxQuantityPerLineItem: 50 } },
      }),
    );
    expect(plan.refresh).toBe("only");
    expect(plan.actions.map((a) => [a.name, a.kind])).toEqual([
      ["fabrikam/seats", "no-op"],
      ["contoso/seats", "drift"],
      ["tailspin/seats", "no-op"],
    ]);
    expect(plan.diagnostics).toEqual([]);
    expect(renderPlanText(plan, { color: false })).toContain(
      "Drift: 1 order changed outside orderform, 2 unchanged.",
    );
    expect(renderPlanMarkdown(plan)[0]).toContain("**Drift: 1 changed outside orderform, 2 unchanged.**");

    const full = createPlan(
      buildInput({
        desired: [contoso, withSeats(fabrikam, 99), tailspin, extra],
        state,
        remote: { lists: everyoneListed() },
        options: { limits: { maxQuantityPerLineItem: 50 } },
      }),
    );
    expect(full.refresh).toBeUndefined();
    expect(full.summary).toMatchObject({ create: 1, update: 1, drift: 1 });
    expect(full.diagnostics.map((d) => d.code)).toContain("plan.limit-exceeded");
  });
});
