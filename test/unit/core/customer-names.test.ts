import { describe, expect, it } from "vitest";
import {
  createCustomerEntries,
  normalizePrintable,
  selectCustomersToName,
  selectNewCustomerName,
} from "../../../src/core/customer-names.js";
import { createPlan } from "../../../src/core/planner.js";
import { foldJournal } from "../../../src/core/state-journal.js";
import type { StateFile } from "../../../src/core/model.js";
import {
  CONTOSO,
  FABRIKAM,
  buildDesired,
  buildInput,
  buildIntent,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";

const named = (state: StateFile, customer: string, companyName: string): StateFile => ({
  ...state,
  customers: { [customer]: { companyName, seenAt: "2025-02-01T10:00:00Z" } },
});

describe("selectCustomersToName", () => {
  const placed = buildDesired("contoso/placed");
  const started = buildDesired("contoso/started");
  const state = buildState({
    orders: byName(buildStateOrder(placed)),
    pending: byName(buildIntent(started)),
  });

  it("selects each customer with a create and no recorded name once, whatever its number of orders", () => {
    const desired = [
      placed,
      started,
      buildDesired("fabrikam/a", { customer: FABRIKAM.toUpperCase() }),
      buildDesired("fabrikam/b", { customer: FABRIKAM }),
    ];
    expect(selectCustomersToName({ desired, state, customers: [] })).toEqual([FABRIKAM]);
  });

  it("skips customers whose orders are all recorded or pending, and customers with a recorded name", () => {
    expect(selectCustomersToName({ desired: [placed, started], state, customers: [] })).toEqual([]);
    const desired = [buildDesired("contoso/new")];
    expect(selectCustomersToName({ desired, state: null, customers: [] })).toEqual([CONTOSO]);
    expect(
      selectCustomersToName({ desired, state: named(state, CONTOSO, "Contoso"), customers: [] }),
    ).toEqual([]);
  });

  it("stays within the --customer filter", () => {
    const desired = [buildDesired("contoso/new"), buildDesired("fabrikam/new", { customer: FABRIKAM })];
    expect(selectCustomersToName({ desired, state: null, customers: [FABRIKAM.toUpperCase()] })).toEqual([
      FABRIKAM,
    ]);
  });
});

describe("company names in a plan", () => {
  it("shows the recorded name, else the one the plan read, else none", () => {
    const desired = [buildDesired("contoso/new"), buildDesired("fabrikam/new", { customer: FABRIKAM })];
    const state = named(buildState(), CONTOSO, "Contoso Ltd");
    const plan = createPlan(
      buildInput({
        desired,
        state,
        remote: { companyNames: { [CONTOSO]: "stale", [FABRIKAM]: "Fabrikam" } },
      }),
    );
    expect(plan.actions.map((a) => [a.name, a.companyName])).toEqual([
      ["fabrikam/new", "Fabrikam"],
      ["contoso/new", "Contoso Ltd"],
    ]);
    const unnamed = createPlan(buildInput({ desired }));
    expect(unnamed.actions.every((a) => !("companyName" in a))).toBe(true);
  });

  it("apply's record of a placed order carries the plan's name when state has none, and folding keeps it", () => {
    const desired = buildDesired("contoso/new");
    const plan = createPlan(
      buildInput({ desired: [desired], remote: { companyNames: { [CONTOSO]: "Contoso" } } }),
    );
    const action = plan.actions[0]!;
    const now = new Date("2025-03-01T12:00:00Z");
    const carried = selectNewCustomerName(action, buildState(), now);
    expect(carried).toEqual({ customer: { companyName: "Contoso", seenAt: "2025-03-01T12:00:00.000Z" } });
    expect(selectNewCustomerName(action, named(buildState(), CONTOSO, "Contoso Ltd"), now)).toEqual({});
    expect(selectNewCustomerName({ customer: CONTOSO }, buildState(), now)).toEqual({});

    const entries = [{ type: "created" as const, order: buildStateOrder(desired), ...carried }];
    const folded = foldJournal(buildState(), entries);
    expect(folded.customers).toEqual({ [CONTOSO]: carried.customer });
    // Folding the same record again (recovery) changes nothing.
    expect(foldJournal(folded, entries)).toEqual(folded);
  });
});

describe("createCustomerEntries", () => {
  const state = named(buildState(), CONTOSO, "Contoso");
  const names = new Map([
    [CONTOSO.toUpperCase(), "Contoso Ltd"],
    [FABRIKAM, "Fabrikam"],
  ]);

  it("records new names, and renamed ones only when asked to update", () => {
    const at = { seenAt: "2025-03-01T12:00:00Z" };
    expect(
      createCustomerEntries(names, state, { ...at, update: false }).map(
        (e) => e.type === "customer" && e.customer,
      ),
    ).toEqual([FABRIKAM]);
    expect(createCustomerEntries(names, state, { ...at, update: true })).toEqual(
      [
        { type: "customer", customer: FABRIKAM, record: { companyName: "Fabrikam", ...at } },
        { type: "customer", customer: CONTOSO, record: { companyName: "Contoso Ltd", ...at } },
      ].sort((a, b) => (a.customer < b.customer ? -1 : 1)),
    );
    expect(createCustomerEntries(new Map([[CONTOSO, "Contoso"]]), state, { ...at, update: true })).toEqual(
      [],
    );
  });
});

describe("normalizePrintable", () => {
  it("turns control, line-break and bidi characters into single spaces", () => {
    expect(normalizePrintable("Evil\u001b[31m Corp\r\n\u202eLtd\u0007")).toBe("Evil [31m Corp Ltd");
    expect(normalizePrintable("Société Générale")).toBe("Société Générale");
  });
});
