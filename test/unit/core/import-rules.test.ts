import { describe, expect, it } from "vitest";
import { contentOf } from "../../../src/core/compare.js";
import { checkImportMatch, checkImportTarget } from "../../../src/core/import-rules.js";
import type { RemoteOrder, StateFile } from "../../../src/core/model.js";
import {
  FABRIKAM,
  buildDesired,
  buildIntent,
  buildRemote,
  buildState,
  buildStateOrder,
  byName,
} from "./builders.js";

const SKEW_MS = 5 * 60_000;
const seats = buildDesired("contoso/seats");
const other = buildDesired("contoso/other");
const ORDER = "order-remote-1";

describe("checkImportTarget", () => {
  const cases: { title: string; state: StateFile; name?: string; orderId?: string; code: string | null }[] = [
    { title: "an untracked name and order", state: buildState(), code: null },
    {
      title: "a name already in state",
      state: buildState({ orders: byName(buildStateOrder(seats)) }),
      code: "import.already-managed",
    },
    {
      title: "a name with a pending create",
      state: buildState({ pending: byName(buildIntent(seats)) }),
      code: "import.pending",
    },
    {
      title: "an order bound to another name (any case)",
      state: buildState({ orders: byName(buildStateOrder(other, { orderId: ORDER })) }),
      orderId: ORDER.toUpperCase(),
      code: "import.order-bound",
    },
    {
      title: "an order another name replaced",
      state: buildState({
        orders: byName(buildStateOrder(other, { replaced: [buildStateOrder(other, { orderId: ORDER })] })),
      }),
      code: "import.order-bound",
    },
    {
      title: "a name that only Object.prototype holds",
      state: buildState(),
      name: "constructor",
      code: null,
    },
  ];
  it.each(cases)("$title: $code", ({ state, name, orderId, code }) => {
    const refusal = checkImportTarget({ name: name ?? seats.name, orderId: orderId ?? ORDER, state });
    expect(refusal?.code ?? null).toBe(code);
  });
});

describe("checkImportMatch", () => {
  const matching = buildRemote(ORDER, contentOf(seats), { creationDate: "2025-03-01T11:55:00Z" });
  const cases: {
    title: string;
    remote: RemoteOrder | null;
    state: StateFile;
    kind: "bind" | "mismatch" | "refused";
    code?: string;
  }[] = [
    { title: "a matching order, nothing pending", remote: matching, state: buildState(), kind: "bind" },
    {
      title: "no such order",
      remote: null,
      state: buildState(),
      kind: "refused",
      code: "import.order-not-found",
    },
    {
      title: "another quantity",
      remote: buildRemote(ORDER, {
        ...contentOf(seats),
        lineItems: [{ ...contentOf(seats).lineItems[0]!, quantity: 3 }],
      }),
      state: buildState(),
      kind: "mismatch",
    },
    {
      title: "another name's pending create of the same content, started before the order",
      remote: matching,
      state: buildState({
        pending: byName(
          buildIntent({ ...seats, name: "contoso/twin" }, { startedAt: "2025-03-01T11:50:00Z" }),
        ),
      }),
      kind: "refused",
      code: "import.pending-may-own",
    },
    {
      title: "another name's pending create started well after the order was placed",
      remote: matching,
      state: buildState({
        pending: byName(
          buildIntent({ ...seats, name: "contoso/twin" }, { startedAt: "2025-03-01T13:00:00Z" }),
        ),
      }),
      kind: "bind",
    },
    {
      title: "another name's pending create for another customer",
      remote: matching,
      state: buildState({
        pending: byName(buildIntent({ ...seats, name: "fabrikam/twin", customer: FABRIKAM })),
      }),
      kind: "bind",
    },
  ];
  it.each(cases)("$title: $kind", ({ remote, state, kind, code }) => {
    const match = checkImportMatch({ declared: seats, orderId: ORDER, remote, state, clockSkewMs: SKEW_MS });
    expect(match.kind).toBe(kind);
    if (match.kind === "refused") expect(match.refusal.code).toBe(code);
    if (match.kind === "bind") expect(match.content).toEqual(contentOf(seats));
    if (match.kind === "mismatch") {
      expect(match.differences).toContainEqual({ path: "lineItems[0].quantity", before: 3, after: 25 });
    }
  });
});
