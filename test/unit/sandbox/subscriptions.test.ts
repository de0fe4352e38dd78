/**
 * The sandbox's subscription routes over loopback with plain fetch (docs/subscriptions.md): one
 * subscription per line item, the same record from every route, PATCH quantity with the
 * cancellation window, the documented errors, MS-RequestId replay, drift and persistence.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SandboxOptions } from "../../../src/sandbox/index.js";
import {
  BASIC,
  CONTOSO,
  RESERVED_INSTANCE,
  TAILSPIN,
  createLicenseOrder,
  startTestSandbox,
} from "./helpers.js";
import type { Reply, TestSandbox } from "./helpers.js";

const HOUR = 60 * 60 * 1000;
/** Tailspin's Azure subscription that may buy reserved instances (the sandbox's defaults). */
const TAILSPIN_RI = "5198c069-3daa-403a-8660-5be11bfd12ee";
const open: TestSandbox[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(options: SandboxOptions = {}): Promise<TestSandbox> {
  const s = await startTestSandbox(options);
  open.push(s);
  return s;
}

/** Seeds a completed order created `ageMs` ago; answers its subscription as GET by id shows it. */
async function seedSubscription(
  s: TestSandbox,
  ageMs: number,
  quantity = 5,
): Promise<Record<string, unknown>> {
  const creationDate = new Date(Date.now() - ageMs).toISOString();
  const seeded = await s.admin("POST", "/_sandbox/orders", {
    customer: CONTOSO,
    creationDate,
    ...createLicenseOrder(BASIC, quantity, { termDuration: "P1M" }),
  });
  expect(seeded.status).toBe(200);
  const order = (seeded.body.items as { order: { id: string } }[])[0]?.order;
  const list = await s.call("GET", `/v1/customers/${CONTOSO}/subscriptions?order_id=${order?.id ?? ""}`);
  const item = (list.body.items as Record<string, unknown>[])[0];
  expect(item).toBeDefined();
  return item as Record<string, unknown>;
}

function patchQuantity(
  s: TestSandbox,
  sub: Record<string, unknown>,
  quantity: number,
  requestId = randomUUID(),
): Promise<Reply> {
  return s.call(
    "PATCH",
    `/v1/customers/${CONTOSO}/subscriptions/${String(sub.id)}`,
    { ...sub, quantity },
    { "MS-RequestId": requestId },
  );
}

describe("subscriptions", () => {
  it("one per line item once the order completes, the same record from the order's link, by id, by order and in the list", async () => {
    const s = await start();
    const created = await s.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC, 3), {
      "MS-RequestId": randomUUID(),
    });
    expect(created.status).toBe(201);
    const order = await s.call("GET", `/v1/customers/${CONTOSO}/orders/${String(created.body.id)}`);
    const line = (
      order.body.lineItems as { subscriptionId: string; links: { subscription: { uri: string } } }[]
    )[0];
    expect(line?.links.subscription.uri).toBe(`/customers/${CONTOSO}/subscriptions/${line?.subscriptionId}`);
    const byId = await s.call("GET", `/v1${line?.links.subscription.uri ?? ""}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      id: line?.subscriptionId,
      offerId: BASIC,
      quantity: 3,
      status: "active",
      orderId: created.body.id,
      attributes: { objectType: "Subscription" },
    });
    expect(typeof byId.body.cancellationAllowedUntilDate).toBe("string");
    const byOrder = await s.call(
      "GET",
      `/v1/customers/${CONTOSO}/subscriptions?order_id=${String(created.body.id)}`,
    );
    const all = await s.call("GET", `/v1/customers/${CONTOSO}/subscriptions`);
    expect(byOrder.body.items).toEqual([byId.body]);
    expect(all.body.items).toEqual([byId.body]);
  });

  it("no subscription while the order is pending; an unknown id is 404 20003 for GET and PATCH", async () => {
    const s = await start({ provisioningDelayMs: 60 * HOUR });
    const created = await s.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC, 3));
    const byOrder = await s.call(
      "GET",
      `/v1/customers/${CONTOSO}/subscriptions?order_id=${String(created.body.id)}`,
    );
    expect(byOrder.body.items).toEqual([]);
    const unknown = randomUUID();
    const get = await s.call("GET", `/v1/customers/${CONTOSO}/subscriptions/${unknown}`);
    expect(get.status).toBe(404);
    expect(get.body.code).toBe("20003");
    const patch = await s.call("PATCH", `/v1/customers/${CONTOSO}/subscriptions/${unknown}`, { quantity: 2 });
    expect([patch.status, patch.body.code]).toEqual([404, "20003"]);
  });

  it("inside the 168-hour window a decrease is applied", async () => {
    const s = await start();
    const sub = await seedSubscription(s, 167 * HOUR, 5);
    const patched = await patchQuantity(s, sub, 3);
    expect(patched.status).toBe(200);
    expect(patched.body.quantity).toBe(3);
    const read = await s.call("GET", `/v1/customers/${CONTOSO}/subscriptions/${String(sub.id)}`);
    expect(read.body).toEqual(patched.body);
    expect(read.body.attributes).not.toEqual(sub.attributes); // the etag moved
  });

  it("after the window a decrease is 400 900117 and changes nothing; an increase is applied", async () => {
    const s = await start();
    const sub = await seedSubscription(s, 169 * HOUR, 5);
    const decreased = await patchQuantity(s, sub, 4);
    expect([decreased.status, decreased.body.code]).toEqual([400, "900117"]);
    const unchanged = await s.call("GET", `/v1/customers/${CONTOSO}/subscriptions/${String(sub.id)}`);
    expect(unchanged.body.quantity).toBe(5);
    const increased = await patchQuantity(s, sub, 7);
    expect([increased.status, increased.body.quantity]).toEqual([200, 7]);
  });

  it("bad quantities: outside the offer's bounds 2002, over the sandbox limit 800018, not an integer 800002", async () => {
    const s = await start();
    const sub = await seedSubscription(s, HOUR, 5);
    expect((await patchQuantity(s, sub, 0)).body.code).toBe("2002");
    expect((await patchQuantity(s, sub, 26)).body.code).toBe("800018");
    const text = await s.call("PATCH", `/v1/customers/${CONTOSO}/subscriptions/${String(sub.id)}`, {
      ...sub,
      quantity: "6",
    });
    expect([text.status, text.body.code]).toEqual([400, "800002"]);
    const unlimited = await start({ sandboxLimits: false });
    const big = await seedSubscription(unlimited, HOUR, 5);
    const over = await patchQuantity(unlimited, big, 301); // Business Basic: 1 to 300
    expect([over.status, over.body.code]).toEqual([400, "2002"]);
  });

  it("refuses other changes with their documented codes, a stale etag, and reserved instances", async () => {
    const s = await start();
    const sub = await seedSubscription(s, HOUR, 5);
    const path = `/v1/customers/${CONTOSO}/subscriptions/${String(sub.id)}`;
    expect((await s.call("PATCH", path, { ...sub, billingCycle: "annual" })).body.code).toBe("2054");
    expect((await s.call("PATCH", path, { ...sub, offerId: "OTHER:0001:X" })).body.code).toBe("3000");
    const renamed = await s.call("PATCH", path, { ...sub, friendlyName: "Contoso seats" });
    expect([renamed.status, renamed.body.friendlyName]).toEqual([200, "Contoso seats"]);
    const stale = await patchQuantity(s, sub, 6); // `sub` still carries the etag from before the rename
    expect([stale.status, stale.body.code]).toEqual([400, "2055"]);
    const riOrder = {
      billingCycle: "one_time",
      lineItems: [
        {
          lineItemNumber: 0,
          offerId: RESERVED_INSTANCE,
          quantity: 1,
          provisioningContext: { subscriptionId: TAILSPIN_RI, scope: "shared", duration: "1Year" },
        },
      ],
    };
    const seeded = await s.admin("POST", "/_sandbox/orders", { customer: TAILSPIN, order: riOrder });
    const riOrderId = (seeded.body.items as { order: { id: string } }[])[0]?.order.id ?? "";
    const riList = await s.call("GET", `/v1/customers/${TAILSPIN}/subscriptions?order_id=${riOrderId}`);
    const ri = (riList.body.items as Record<string, unknown>[])[0] ?? {};
    const riPatch = await s.call("PATCH", `/v1/customers/${TAILSPIN}/subscriptions/${String(ri.id)}`, {
      ...ri,
      quantity: 2,
    });
    expect([riPatch.status, riPatch.body.code]).toEqual([403, "800027"]);
  });

  it("a suspended subscription (admin drift) takes no quantity change: 2001", async () => {
    const s = await start();
    const sub = await seedSubscription(s, HOUR, 5);
    const drift = await s.admin("PATCH", `/_sandbox/subscriptions/${String(sub.id)}`, {
      status: "suspended",
    });
    expect(drift.body.status).toBe("suspended");
    const refused = await patchQuantity(s, drift.body, 6);
    expect([refused.status, refused.body.code]).toEqual([400, "2001"]);
  });

  it("a replayed PATCH (same MS-RequestId and body) is answered from the record and not applied twice", async () => {
    const s = await start();
    const sub = await seedSubscription(s, HOUR, 5);
    const requestId = randomUUID();
    const first = await patchQuantity(s, sub, 6, requestId);
    expect(first.status).toBe(200);
    // Drift behind orderform's back between the two sends: a second application would undo it.
    await s.admin("PATCH", `/_sandbox/subscriptions/${String(sub.id)}`, { quantity: 9 });
    const replay = await patchQuantity(s, sub, 6, requestId);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("ms-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    const now = await s.admin("GET", `/_sandbox/subscriptions/${String(sub.id)}`);
    expect(now.body.quantity).toBe(9);
    const reused = await patchQuantity(s, sub, 7, requestId);
    expect([reused.status, reused.body.code]).toEqual([400, "800002"]);
  });

  it("changes and their request records survive a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orderform-subs-"));
    dirs.push(dir);
    const dataFile = join(dir, "store.json");
    const first = await start({ dataFile });
    const sub = await seedSubscription(first, HOUR, 5);
    const requestId = randomUUID();
    expect((await patchQuantity(first, sub, 8, requestId)).status).toBe(200);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await start({ dataFile });
    const read = await second.call("GET", `/v1/customers/${CONTOSO}/subscriptions/${String(sub.id)}`);
    expect(read.body.quantity).toBe(8);
    const replay = await patchQuantity(second, sub, 8, requestId);
    expect(replay.headers.get("ms-replayed")).toBe("true");
  });
});
