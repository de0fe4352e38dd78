/**
 * The client's subscription operations against the real sandbox over 127.0.0.1
 * (docs/subscriptions.md): typed reads, quantity changes inside and outside the cancellation
 * window, the documented refusals as PartnerCenterError, drift, and a dropped answer retried under
 * the same MS-RequestId.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PartnerCenterError, selectSubscriptionRefusal } from "../../../src/partner-center/errors.js";
import type { RetryInfo, Subscription } from "../../../src/partner-center/types.js";
import type { SandboxOptions } from "../../../src/sandbox/index.js";
import { CONTOSO, startLoopbackHarness, type LoopbackHarness } from "./loopback-harness.js";

const BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0K59S";
const HOUR = 60 * 60 * 1000;

interface Harness extends LoopbackHarness {
  /** A completed Business Basic order created `ageMs` ago; its one subscription as the client reads it. */
  seed(ageMs: number, quantity: number): Promise<Subscription>;
}

async function startHarness(options: SandboxOptions = {}): Promise<Harness> {
  const harness = await startLoopbackHarness({ sandbox: options });
  const { client, admin } = harness;
  const seed = async (ageMs: number, quantity: number) => {
    const seeded = await admin("POST", "/_sandbox/orders", {
      customer: CONTOSO,
      creationDate: new Date(Date.now() - ageMs).toISOString(),
      billingCycle: "monthly",
      lineItems: [{ lineItemNumber: 0, offerId: BASIC, quantity, termDuration: "P1M" }],
    });
    const orderId = (seeded.items as { order: { id: string } }[])[0]?.order.id ?? "";
    const [subscription] = await client.listSubscriptionsByOrder(CONTOSO, orderId);
    if (subscription === undefined) throw new Error("the seeded order has no subscription");
    return subscription;
  };
  return { ...harness, seed };
}

async function catchError(promise: Promise<unknown>): Promise<PartnerCenterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerCenterError);
  return error as PartnerCenterError;
}

describe("subscriptions through the client", () => {
  it("lists, reads by id and by order the same typed subscription; an unknown id is null", async () => {
    const h = await startHarness();
    const seeded = await h.seed(HOUR, 4);
    expect(seeded).toMatchObject({ offerId: BASIC, quantity: 4, status: "active", termDuration: "P1M" });
    expect(seeded.etag).toEqual(expect.any(String));
    expect(seeded.cancellationAllowedUntilDate).toEqual(expect.any(String));
    expect(await h.client.getSubscription(CONTOSO, seeded.id)).toEqual(seeded);
    expect(await h.client.listSubscriptions(CONTOSO)).toEqual([seeded]);
    expect(await h.client.getSubscription(CONTOSO, randomUUID())).toBeNull();
  });

  it("inside the window a decrease is applied; after it a decrease is 900117 and an increase is applied", async () => {
    const h = await startHarness();
    const fresh = await h.seed(HOUR, 5);
    const decreased = await h.client.updateSubscriptionQuantity(CONTOSO, fresh, 3, {
      requestId: randomUUID(),
    });
    expect(decreased.quantity).toBe(3);

    const old = await h.seed(200 * HOUR, 5);
    const refused = await catchError(
      h.client.updateSubscriptionQuantity(CONTOSO, old, 4, { requestId: randomUUID() }),
    );
    expect([refused.httpStatus, String(refused.serviceCode)]).toEqual([400, "900117"]);
    expect(selectSubscriptionRefusal(refused)).toBe("cancellation-window-passed");
    expect(refused.retryable).toBe(false);
    const increased = await h.client.updateSubscriptionQuantity(CONTOSO, old, 6, { requestId: randomUUID() });
    expect(increased.quantity).toBe(6);
  });

  it("a bad quantity is 2002 and a suspended subscription 2001, as PartnerCenterError", async () => {
    const h = await startHarness();
    const sub = await h.seed(HOUR, 5);
    const zero = await catchError(
      h.client.updateSubscriptionQuantity(CONTOSO, sub, 0, { requestId: randomUUID() }),
    );
    expect(selectSubscriptionRefusal(zero)).toBe("quantity-out-of-range");
    await h.admin("PATCH", `/_sandbox/subscriptions/${sub.id}`, { status: "suspended" });
    const suspended = await h.client.getSubscription(CONTOSO, sub.id);
    expect(suspended?.status).toBe("suspended");
    const refused = await catchError(
      h.client.updateSubscriptionQuantity(CONTOSO, suspended as Subscription, 6, { requestId: randomUUID() }),
    );
    expect(selectSubscriptionRefusal(refused)).toBe("not-active");
  });

  it("drift through the admin API shows on the next read; a change sent from the stale read is 2055", async () => {
    const h = await startHarness();
    const sub = await h.seed(HOUR, 5);
    await h.admin("PATCH", `/_sandbox/subscriptions/${sub.id}`, { quantity: 9 });
    expect((await h.client.getSubscription(CONTOSO, sub.id))?.quantity).toBe(9);
    const stale = await catchError(
      h.client.updateSubscriptionQuantity(CONTOSO, sub, 6, { requestId: randomUUID() }),
    );
    expect(selectSubscriptionRefusal(stale)).toBe("stale-etag");
    expect((await h.client.getSubscription(CONTOSO, sub.id))?.quantity).toBe(9);
  });

  it("a dropped answer is retried under the same MS-RequestId and answered from the first application", async () => {
    const h = await startHarness();
    const sub = await h.seed(HOUR, 5);
    await h.admin("PUT", "/_sandbox/faults", {
      commitThenDrop: { probability: 1, route: { method: "PATCH", pathPattern: "/subscriptions/" } },
    });
    const requestId = randomUUID();
    const retries: RetryInfo[] = [];
    const updated = await h.client.updateSubscriptionQuantity(CONTOSO, sub, 7, {
      requestId,
      onRetry: (info) => retries.push(info),
    });
    expect(retries.length).toBeGreaterThan(0); // the fault really fired
    expect(updated.quantity).toBe(7);
    // The retry carried the etag read before the first application: had it been applied again
    // rather than replayed, it would have been refused as stale (2055).
    expect(updated.etag).not.toBe(sub.etag);
    const sent = h.logs.filter((line) => line.startsWith("-> PATCH"));
    expect(sent.length).toBe(retries.length + 1);
    for (const line of sent) expect(line).toContain(`ms-requestid=${requestId}`);
    expect((await h.client.getSubscription(CONTOSO, sub.id))?.quantity).toBe(7);
  });
});
