import { describe, expect, it } from "vitest";
import { contentOf } from "../../../src/core/compare.js";
import type { DesiredOrder, RemoteOrder, StateOrder } from "../../../src/core/model.js";
import { createPlan, planHasChanges, planHasErrors } from "../../../src/core/planner.js";
import type { PlanInput } from "../../../src/core/planner.js";
import {
  CONTOSO,
  FABRIKAM,
  NOW,
  OFFER,
  buildDesired,
  buildInput,
  buildIntent,
  buildRemote,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";
import { edited, listed, only, placed, recent, seats } from "./planner-fixtures.js";

/** An edit that no seat change can make: the term. */
const retermed = (d: DesiredOrder): DesiredOrder => ({
  ...d,
  lineItems: [{ ...(d.lineItems[0] as DesiredOrder["lineItems"][number]), termDuration: "P1Y" }],
});

interface KindCase {
  name: string;
  input: PlanInput;
  expected: Record<string, unknown>;
}

const kindCases: KindCase[] = [
  {
    name: "create: declared, no state",
    input: buildInput({ desired: [seats] }),
    expected: {
      kind: "create",
      content: contentOf(seats),
      reason: "Declared in orders/contoso.yaml and not in state.",
    },
  },
  {
    name: "create: a previous failure does not block it and is mentioned",
    input: buildInput({
      desired: [seats],
      state: buildState({
        failures: byName({
          name: seats.name,
          customer: CONTOSO,
          requestId: "r",
          at: "2025-02-28T10:00:00Z",
          httpStatus: 400,
          code: "800002",
          description: "Invalid offer",
        }),
      }),
    }),
    expected: {
      kind: "create",
      reason:
        "Declared in orders/contoso.yaml and not in state; the last attempt at 2025-02-28T10:00:00Z failed with 800002 (Invalid offer) and bought nothing.",
    },
  },
  {
    name: "no-op: listed and matching",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(buildRemoteFor(placed)) },
    }),
    expected: { kind: "no-op", seen: "listed" },
  },
  {
    name: "no-op: reports a status change",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName({ ...placed, status: "pending" }) }),
      remote: { lists: listed(buildRemoteFor(placed, { status: "completed" })) },
    }),
    expected: { kind: "no-op", seen: "listed", remoteStatus: "completed" },
  },
  {
    name: "no-op: fetched by id",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(), byId: { [placed.orderId]: buildRemoteFor(placed) } },
    }),
    expected: { kind: "no-op", seen: "fetched" },
  },
  {
    name: "no-op: missing from the list within the visibility window is never re-created",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(recent) }),
      remote: { lists: listed() },
    }),
    expected: { kind: "no-op", seen: "not-yet-visible" },
  },
  {
    name: "no-op: customer not listed",
    input: buildInput({ desired: [seats], state: buildState({ orders: byName(placed) }) }),
    expected: { kind: "no-op", seen: "not-checked" },
  },
  {
    name: "drift: cancelled",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(buildRemoteFor(placed, { status: "cancelled" })) },
    }),
    expected: {
      kind: "drift",
      differences: [{ path: "status", before: "completed", after: "cancelled" }],
      reason: `Order ${placed.orderId} was cancelled outside orderform.`,
    },
  },
  {
    name: "drift: line items changed",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: {
        lists: listed(
          buildRemoteFor(placed, { lineItems: [{ lineItemNumber: 0, offerId: OFFER, quantity: 10 }] }),
        ),
      },
    }),
    expected: { kind: "drift", differences: [{ path: "lineItems[0].quantity", before: 25, after: 10 }] },
  },
  {
    name: "drift: 404 by id",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(), byId: { [placed.orderId]: null } },
    }),
    expected: {
      kind: "drift",
      remote: null,
      differences: [{ path: "order", before: placed.orderId, after: null }],
    },
  },
  {
    name: "drift: still absent after the window and not looked up",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed() },
    }),
    expected: { kind: "drift", remote: null },
  },
  {
    name: "drift + --replace: create that replaces",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(buildRemoteFor(placed, { status: "cancelled" })) },
      options: { replace: [seats.name] },
    }),
    expected: { kind: "create", replaces: { orderId: placed.orderId }, content: contentOf(seats) },
  },
  {
    name: "conflict: declaration edited after purchase",
    input: buildInput({
      desired: [retermed(seats)],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(buildRemoteFor(placed)) },
    }),
    expected: {
      kind: "conflict",
      differences: [{ path: "lineItems[0].termDuration", before: "P1M", after: "P1Y" }],
    },
  },
  {
    name: "conflict wins over drift",
    input: buildInput({
      desired: [retermed(seats)],
      state: buildState({ orders: byName(placed) }),
      remote: { lists: listed(buildRemoteFor(placed, { status: "cancelled" })) },
    }),
    expected: { kind: "conflict" },
  },
  {
    name: "conflict + --replace: create that replaces, with the new content",
    input: buildInput({
      desired: [edited(seats, 30)],
      state: buildState({ orders: byName(placed) }),
      options: { replace: [seats.name] },
    }),
    expected: {
      kind: "create",
      replaces: { orderId: placed.orderId },
      content: contentOf(edited(seats, 30)),
    },
  },
  {
    name: "undeclared: state order without declaration",
    input: buildInput({ state: buildState({ orders: byName(placed) }) }),
    expected: { kind: "undeclared", stateOrder: placed },
  },
  {
    name: "resume: pending intent, nothing listed",
    input: buildInput({
      desired: [seats],
      state: buildState({ pending: byName(buildIntent(seats)) }),
      remote: { lists: listed() },
    }),
    expected: { kind: "resume", intent: buildIntent(seats) },
  },
  {
    name: "resume: undeclared intent is still a resume, never undeclared",
    input: buildInput({ state: buildState({ pending: byName(buildIntent(seats)) }) }),
    expected: { kind: "resume", intent: buildIntent(seats) },
  },
  {
    name: "resume: declaration edited since the intent; finished as recorded, with differences",
    input: buildInput({
      desired: [edited(seats, 30)],
      state: buildState({ pending: byName(buildIntent(seats)) }),
    }),
    expected: {
      kind: "resume",
      intent: buildIntent(seats),
      differences: [{ path: "lineItems[0].quantity", before: 25, after: 30 }],
    },
  },
  {
    name: "resume wins over a placed order of the same name (a replacement in flight)",
    input: buildInput({
      desired: [seats],
      state: buildState({ orders: byName(placed), pending: byName(buildIntent(seats)) }),
      remote: { lists: listed(buildRemoteFor(placed)) },
    }),
    expected: { kind: "resume" },
  },
];

describe("createPlan: one action per kind", () => {
  it.each(kindCases)("$name", ({ input, expected }) => {
    const action = only(createPlan(input));
    expect(action).toMatchObject({ name: seats.name, customer: CONTOSO, ...expected });
    if (expected.kind !== "resume") expect(action).not.toHaveProperty("adopt");
  });
});

describe("createPlan: adoption of a pending intent", () => {
  const intent = buildIntent(seats); // started 11:50
  const state = buildState({ pending: byName(intent) });
  const match = (id: string, creationDate: string, extra: Partial<RemoteOrder> = {}): RemoteOrder =>
    buildRemote(id, intent.content, { creationDate, ...extra });

  const cases: {
    name: string;
    list: RemoteOrder[];
    stateOrders?: StateOrder[];
    adopt: string | undefined;
    skewMs?: number;
  }[] = [
    { name: "matching order after the intent", list: [match("o1", "2025-03-01T11:50:30Z")], adopt: "o1" },
    {
      name: "within the default 5 minutes of skew",
      list: [match("o1", "2025-03-01T11:46:00Z")],
      adopt: "o1",
    },
    { name: "too early even with skew", list: [match("o1", "2025-03-01T11:44:00Z")], adopt: undefined },
    {
      name: "custom skew 0 refuses a slightly earlier order",
      list: [match("o1", "2025-03-01T11:49:59Z")],
      adopt: undefined,
      skewMs: 0,
    },
    {
      name: "other quantity",
      list: [buildRemote("o1", contentOf(edited(seats, 3)), { creationDate: "2025-03-01T11:51:00Z" })],
      adopt: undefined,
    },
    {
      name: "none of several: which one the intent made is for its re-sent request id to say",
      list: [match("o2", "2025-03-01T11:55:00Z"), match("o1", "2025-03-01T11:51:00Z")],
      adopt: undefined,
    },
    {
      name: "an id bound to an order that --replace superseded is not adopted",
      list: [match("old", "2025-03-01T11:51:00Z")],
      stateOrders: [
        buildStateOrder(buildDesired("contoso/other"), {
          orderId: "new",
          replaced: [buildStateOrder(buildDesired("contoso/other"), { orderId: "OLD" })],
        }),
      ],
      adopt: undefined,
    },
    {
      name: "an id already bound to a state order is not adopted",
      list: [match("bound", "2025-03-01T11:51:00Z")],
      stateOrders: [buildStateOrder(buildDesired("contoso/other"), { orderId: "BOUND" })],
      adopt: undefined,
    },
    {
      name: "offer id and billing cycle in other case",
      list: [match("o1", "2025-03-01T11:51:00Z", { billingCycle: "Monthly" })],
      adopt: "o1",
    },
  ];
  it.each(cases)("$name", ({ list, stateOrders, adopt, skewMs }) => {
    const plan = createPlan(
      buildInput({
        desired: [seats],
        state: { ...state, orders: byName(...(stateOrders ?? [])) },
        remote: { lists: listed(...list) },
        options: skewMs === undefined ? {} : { clockSkewMs: skewMs },
      }),
    );
    const resume = plan.actions.find((a) => a.kind === "resume");
    expect(resume?.kind).toBe("resume");
    expect(resume?.kind === "resume" ? resume.adopt?.orderId : "wrong kind").toBe(adopt);
  });

  it("two pending intents with the same content adopt nothing: their re-sent request ids decide", () => {
    const a = buildIntent(buildDesired("contoso/a"), { startedAt: "2025-03-01T11:52:00Z", requestId: "ra" });
    const b = buildIntent(buildDesired("contoso/b"), { startedAt: "2025-03-01T11:51:00Z", requestId: "rb" });
    const plan = createPlan(
      buildInput({
        desired: [buildDesired("contoso/a"), buildDesired("contoso/b")],
        state: buildState({ pending: byName(a, b) }),
        remote: { lists: listed(match("o1", "2025-03-01T11:53:00Z")) },
      }),
    );
    const adopted = Object.fromEntries(
      plan.actions.map((x) => [x.name, x.kind === "resume" ? (x.adopt?.orderId ?? null) : x.kind]),
    );
    expect(adopted).toEqual({ "contoso/a": null, "contoso/b": null });
  });
});

describe("createPlan: the whole plan", () => {
  const fabrikam = buildDesired("fabrikam/visio", { customer: FABRIKAM });
  const gone = buildStateOrder(edited(buildDesired("contoso/gone"), 9));
  const input = buildInput({
    desired: [fabrikam, buildDesired("contoso/zeta"), seats],
    state: buildState({
      orders: byName(placed, gone),
      pending: byName(buildIntent(buildDesired("contoso/alpha"))),
    }),
    remote: { lists: { [CONTOSO]: [buildRemoteFor(placed)], [FABRIKAM]: [] } },
  });

  it("orders actions by customer, then name, and counts them", () => {
    const plan = createPlan(input);
    expect(plan.actions.map((a) => `${a.customer.slice(0, 4)} ${a.name} ${a.kind}`)).toEqual([
      "4a8f fabrikam/visio create",
      "b0d7 contoso/alpha resume",
      "b0d7 contoso/gone undeclared",
      "b0d7 contoso/seats no-op",
      "b0d7 contoso/zeta create",
    ]);
    expect(plan.summary).toEqual({
      create: 2,
      update: 0,
      resume: 1,
      noop: 1,
      drift: 0,
      conflict: 0,
      undeclared: 1,
    });
    expect(plan.state).toEqual({ lineage: "3f1c2b8e-5d4a-4e6f-8a9b-0c1d2e3f4a5b", serial: 7 });
    expect(plan.desired.map((d) => d.name)).toEqual(["fabrikam/visio", "contoso/seats", "contoso/zeta"]);
    expect(plan.createdAt).toBe(NOW);
    expect(planHasChanges(plan)).toBe(true);
    expect(planHasErrors(plan)).toBe(false);
  });

  it("records no state as lineage null, serial 0", () => {
    expect(createPlan(buildInput({ desired: [seats] })).state).toEqual({ lineage: null, serial: 0 });
  });

  it("--customer narrows declarations, state orders and intents, case-insensitively", () => {
    const plan = createPlan({ ...input, options: { ...input.options, customers: [FABRIKAM.toUpperCase()] } });
    expect(plan.actions.map((a) => a.name)).toEqual(["fabrikam/visio"]);
    expect(plan.desired.map((d) => d.name)).toEqual(["fabrikam/visio"]);
    expect(plan.options.customers).toEqual([FABRIKAM]);
  });

  it("warns about --replace names that change nothing", () => {
    const plan = createPlan({ ...input, options: { ...input.options, replace: ["contoso/seats", "nope"] } });
    expect(plan.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      [
        "plan.replace-not-applicable",
        "warning",
        "--replace contoso/seats has no effect: it only applies to a declared order that drifted or conflicts",
      ],
      ["plan.replace-not-applicable", "warning", "--replace nope names no order"],
    ]);
    expect(plan.actions.filter((a) => a.kind === "create" && a.replaces !== undefined)).toEqual([]);
    expect(planHasErrors(plan)).toBe(false);
  });

  it("reports a duplicate declaration as an error and plans the first", () => {
    const plan = createPlan(buildInput({ desired: [seats, edited(seats, 2)] }));
    expect(plan.diagnostics.map((d) => d.code)).toEqual(["plan.duplicate-name"]);
    expect(planHasErrors(plan)).toBe(true);
    expect(only(plan)).toMatchObject({ kind: "create", content: contentOf(seats) });
  });

  it("has no changes and no errors when everything matches; errors on a conflict", () => {
    const clean = createPlan(
      buildInput({
        desired: [seats],
        state: buildState({ orders: byName(placed) }),
        remote: { lists: listed(buildRemoteFor(placed)) },
      }),
    );
    expect([planHasChanges(clean), planHasErrors(clean)]).toEqual([false, false]);
    const conflict = createPlan(
      buildInput({ desired: [retermed(seats)], state: buildState({ orders: byName(placed) }) }),
    );
    expect([planHasChanges(conflict), planHasErrors(conflict)]).toEqual([false, true]);
  });

  it("throws on a bad `now` (a caller bug, not user input)", () => {
    expect(() => createPlan(buildInput({ now: "yesterday" }))).toThrow(/ISO-8601/);
  });
});
