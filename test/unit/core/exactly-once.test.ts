/**
 * The pure rules behind exactly-once across checkouts (docs/exactly-once.md): derived request ids,
 * their generations, duplicate and rename checks, adoption, and saved-plan checks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentOf } from "../../../src/core/compare.js";
import { checkCreateDuplicates } from "../../../src/core/duplicates.js";
import type { StateFile } from "../../../src/core/model.js";
import type { CreateAction } from "../../../src/core/plan.js";
import { createPlan, planHasErrors } from "../../../src/core/planner.js";
import { createRequestId } from "../../../src/core/request-id.js";
import { checkSavedPlan } from "../../../src/core/saved-plan-check.js";
import { foldJournal, selectNextGeneration } from "../../../src/core/state-journal.js";
import {
  CONTOSO,
  FABRIKAM,
  buildDesired,
  buildInput,
  buildIntent,
  buildRemote,
  buildRemoteFor,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";

const seats = buildDesired("contoso/seats");
const LINEAGE = "3f1c2b8e-5d4a-4e6f-8a9b-0c1d2e3f4a5b";

describe("createRequestId", () => {
  const base = { lineage: LINEAGE, name: "contoso/seats", content: contentOf(seats), generation: 0 };

  it("is a version 8 UUID, the same for the same inputs", () => {
    const id = createRequestId(base);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createRequestId(structuredClone(base))).toBe(id);
  });

  it.each([
    ["lineage", { lineage: "00000000-0000-4000-8000-000000000000" }],
    ["name", { name: "contoso/other" }],
    ["generation", { generation: 1 }],
    ["quantity", { content: contentOf({ ...seats, lineItems: [{ ...seats.lineItems[0]!, quantity: 26 }] }) }],
    ["customer", { content: contentOf({ ...seats, customer: FABRIKAM }) }],
  ])("changes with the %s", (_what, change) => {
    expect(createRequestId({ ...base, ...change })).not.toBe(createRequestId(base));
  });

  it("ignores the case of offer ids, customers and the lineage, as Partner Center does", () => {
    const upper = contentOf({
      ...seats,
      customer: CONTOSO.toUpperCase(),
      lineItems: [{ ...seats.lineItems[0]!, offerId: seats.lineItems[0]!.offerId.toLowerCase() }],
    });
    expect(createRequestId({ ...base, lineage: LINEAGE.toUpperCase(), content: upper })).toBe(
      createRequestId(base),
    );
  });

  it("never repeats across generations and names (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string(), fc.nat(50)), {
          selector: (pair) => JSON.stringify(pair),
          minLength: 2,
          maxLength: 30,
        }),
        (pairs) => {
          const ids = pairs.map(([name, generation]) => createRequestId({ ...base, name, generation }));
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
    );
  });
});

describe("generations", () => {
  const intent = (generation?: number) =>
    buildIntent(seats, generation === undefined ? {} : { generation, requestId: `r${generation}` });
  const created = { type: "created" as const, order: buildStateOrder(seats) };
  const failed = {
    type: "failed" as const,
    failure: {
      name: seats.name,
      customer: CONTOSO,
      requestId: "r",
      at: "x",
      httpStatus: 400,
      code: "1",
      description: "",
    },
  };

  it.each([
    ["a 201 moves it on", [{ type: "intent" as const, intent: intent(0) }, created], 1],
    ["a business error moves it on", [{ type: "intent" as const, intent: intent(0) }, failed], 1],
    ["an unanswered intent does not", [{ type: "intent" as const, intent: intent(0) }], 0],
    [
      "an import does not",
      [{ type: "created" as const, order: buildStateOrder(seats, { origin: "imported" }) }],
      0,
    ],
    ["an intent with a random id does not", [{ type: "intent" as const, intent: intent() }, created], 0],
    [
      "state rm keeps it",
      [
        { type: "intent" as const, intent: intent(0) },
        created,
        { type: "forget" as const, name: seats.name },
      ],
      1,
    ],
    [
      "a later intent's answer moves it past that intent",
      [{ type: "intent" as const, intent: intent(3) }, created],
      4,
    ],
  ])("%s", (_name, entries, expected) => {
    const state = foldJournal(buildState(), entries);
    expect(selectNextGeneration(state, seats.name)).toBe(expected);
    // Recovery folds journals twice: the generation must not move again.
    expect(selectNextGeneration(foldJournal(state, entries), seats.name)).toBe(expected);
  });

  it("state mv renames the record and keeps both names' generations", () => {
    const state = foldJournal(buildState({ orders: byName(buildStateOrder(seats)) }), [
      { type: "move", from: "contoso/seats", to: "contoso/renamed" },
    ]);
    expect(Object.keys(state.orders)).toEqual(["contoso/renamed"]);
    expect(state.orders["contoso/renamed"]?.name).toBe("contoso/renamed");
    expect(foldJournal(state, [{ type: "move", from: "contoso/seats", to: "contoso/renamed" }])).toEqual(
      state,
    );
  });
});

describe("checkCreateDuplicates", () => {
  const create = (overrides: Partial<CreateAction> = {}): CreateAction => ({
    kind: "create",
    name: seats.name,
    customer: CONTOSO,
    reason: "",
    content: contentOf(seats),
    ...overrides,
  });
  const check = (state: StateFile | null, listed: ReturnType<typeof buildRemote>[], more: object = {}) =>
    checkCreateDuplicates({
      creates: [{ action: create(), source: seats.source }],
      state,
      lists: { [CONTOSO]: listed },
      // contoso/twin is declared too: a deliberate second order with the same content.
      declaredNames: new Set([seats.name, "contoso/twin"]),
      allowDuplicate: new Set(),
      clockSkewMs: 0,
      ...more,
    }).map((d) => d.code);

  it.each([
    [
      "an identical untracked order blocks",
      null,
      [buildRemote("x", contentOf(seats))],
      ["plan.untracked-duplicate"],
    ],
    [
      "another quantity does not",
      null,
      [buildRemote("x", contentOf({ ...seats, lineItems: [{ ...seats.lineItems[0]!, quantity: 2 }] }))],
      [],
    ],
    ["a cancelled order does not", null, [buildRemote("x", contentOf(seats), { status: "cancelled" })], []],
    [
      "an order another record holds does not",
      buildState({ orders: byName(buildStateOrder(buildDesired("contoso/twin"), { orderId: "X" })) }),
      [buildRemote("x", contentOf(seats))],
      [],
    ],
    [
      "an order a --replace superseded does not",
      buildState({
        orders: byName(
          buildStateOrder(buildDesired("contoso/twin"), {
            orderId: "new",
            replaced: [buildStateOrder(buildDesired("contoso/twin"), { orderId: "x" })],
          }),
        ),
      }),
      [buildRemote("x", contentOf(seats))],
      [],
    ],
    [
      "an order a pending intent may have made does not",
      buildState({
        pending: byName(buildIntent(buildDesired("contoso/twin"), { startedAt: "2025-01-01T00:00:00Z" })),
      }),
      [buildRemote("x", contentOf(seats))],
      [],
    ],
    [
      "an order made before that pending intent still blocks",
      buildState({
        pending: byName(buildIntent(buildDesired("contoso/twin"), { startedAt: "2025-03-01T00:00:00Z" })),
      }),
      [buildRemote("x", contentOf(seats))],
      ["plan.untracked-duplicate"],
    ],
  ])("%s", (_name, state, listed, expected) => {
    expect(check(state, listed)).toEqual(expected);
  });

  it("--allow-duplicate lets the create go ahead", () => {
    expect(
      check(null, [buildRemote("x", contentOf(seats))], { allowDuplicate: new Set([seats.name]) }),
    ).toEqual([]);
  });

  it("an undeclared record with exactly this content suggests state mv", () => {
    const old = buildStateOrder(buildDesired("contoso/old-name"));
    const state = buildState({ orders: byName(old) });
    const [diagnostic] = checkCreateDuplicates({
      creates: [{ action: create(), source: seats.source }],
      state,
      lists: { [CONTOSO]: [buildRemoteFor(old)] },
      declaredNames: new Set([seats.name]),
      allowDuplicate: new Set(),
      clockSkewMs: 0,
    });
    expect(diagnostic?.code).toBe("plan.renamed-order");
    expect(diagnostic?.hint).toContain("orderform state mv contoso/old-name contoso/seats");
    expect([diagnostic?.file, diagnostic?.line]).toEqual(["orders/contoso.yaml", 1]);
  });

  it("the planner blocks the create with an error and keeps the plan otherwise whole", () => {
    const plan = createPlan(
      buildInput({
        desired: [seats],
        remote: { lists: { [CONTOSO]: [buildRemote("x", contentOf(seats))] } },
      }),
    );
    expect(plan.actions.map((a) => a.kind)).toEqual(["create"]);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(["plan.untracked-duplicate"]);
    expect(planHasErrors(plan)).toBe(true);
  });
});

describe("adoption of a pending intent", () => {
  const intent = buildIntent(seats, { startedAt: "2025-03-01T11:50:00Z" });
  const plan = (now: string) =>
    createPlan(
      buildInput({
        desired: [seats],
        now,
        state: buildState({ pending: byName(intent) }),
        remote: {
          lists: { [CONTOSO]: [buildRemote("o1", intent.content, { creationDate: "2025-03-01T11:51:00Z" })] },
        },
      }),
    ).actions[0];

  it("is a fallback to the re-sent request id while the service remembers it", () => {
    const action = plan("2025-03-01T12:00:00Z");
    expect(action?.kind === "resume" ? action.adopt?.mode : undefined).toBe("fallback");
  });

  it("replaces the re-send once the intent is older than the request-id retention", () => {
    const action = plan("2025-03-01T13:00:01Z");
    expect(action?.kind === "resume" ? action.adopt?.mode : undefined).toBe("instead");
  });
});

describe("checkSavedPlan", () => {
  const placed = buildStateOrder(seats, { orderId: "o-seats" });
  const more = buildDesired("contoso/more", { lineItems: [{ ...seats.lineItems[0]!, quantity: 3 }] });
  const state = buildState({ orders: byName(placed) });
  const made = createPlan(
    buildInput({ desired: [seats, more], state, remote: { lists: { [CONTOSO]: [buildRemoteFor(placed)] } } }),
  );

  it("passes the plan as made", () => {
    expect(checkSavedPlan({ plan: made, state, desired: [seats, more] })).toEqual([]);
  });

  it.each([
    [
      "another customer",
      (p: typeof made) =>
        Object.assign(
          p.actions.find((a) => a.kind === "create")!,
          { customer: FABRIKAM },
        ),
      "its customer",
    ],
    [
      "an undeclared name",
      (p: typeof made) =>
        Object.assign(
          p.actions.find((a) => a.kind === "create")!,
          { name: "contoso/ghost" },
        ),
      "not declared",
    ],
    [
      "a second action for one name",
      (p: typeof made) => p.actions.push(structuredClone(p.actions.find((a) => a.kind === "create")!)),
      "another action for the same name",
    ],
    [
      "a create for a recorded name",
      (p: typeof made) =>
        p.actions.push({
          kind: "create",
          name: seats.name,
          customer: CONTOSO,
          reason: "",
          content: contentOf(seats),
        }),
      "already records order o-seats",
    ],
    [
      "a replace of another order",
      (p: typeof made) =>
        p.actions.push({
          kind: "create",
          name: seats.name,
          customer: CONTOSO,
          reason: "",
          content: contentOf(seats),
          replaces: { orderId: "zzz" },
        }),
      "state records order o-seats",
    ],
    [
      "a resume without an intent",
      (p: typeof made) =>
        p.actions.push({
          kind: "resume",
          name: "contoso/more",
          customer: CONTOSO,
          reason: "",
          intent: buildIntent(more),
        }),
      "no pending create",
    ],
    [
      "a --refresh-only plan edited to buy (its create would pass every other check)",
      (p: typeof made) => Object.assign(p, { refresh: "only" }),
      "a --refresh-only plan holds only drift and no-op actions",
    ],
  ])("refuses %s, naming the action", (_name, edit, message) => {
    const plan = structuredClone(made);
    edit(plan);
    const problems = checkSavedPlan({ plan, state, desired: [seats, more] });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.message).join("\n")).toContain(message);
    expect(problems[0]?.position).toBeGreaterThan(0);
  });
});
