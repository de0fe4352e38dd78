/**
 * Seat changes on every state backend (docs/backends.md, docs/exactly-once.md): the update's intent,
 * its outcome and the history mark go through the same journal entries in a local file, Azure Blob
 * Storage (Azurite) and PostgreSQL. A run killed after the intent is finished by the next one with
 * the same request id, and the subscription changes once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POSTGRES_MISSING_HINT } from "../support/postgres-server.mjs";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  fetchJson,
  listSandboxOrders,
  resetSandbox,
} from "./helpers.js";
import { hasPostgres, startBackendFixture, type Backend, type BackendFixture } from "./backend-fixture.js";

if (!hasPostgres && process.env.CI) throw new Error(`CI needs PostgreSQL: ${POSTGRES_MISSING_HINT}`);
const BACKENDS: Backend[] = hasPostgres ? ["local", "azblob", "pg"] : ["local", "azblob"];

let fixture: BackendFixture;

beforeAll(async () => {
  fixture = await startBackendFixture("orderform-seats");
}, 60_000);
afterAll(async () => {
  await fixture.stop();
});
beforeEach(async () => {
  await resetSandbox(fixture.sandbox.url);
});

interface ShownRecord {
  seatChanges?: { from: number; to: number; requestId: string }[];
  remoteLineItems?: { subscriptionId?: string }[];
}

describe.each(BACKENDS)("seat changes on state backend %s", (backend) => {
  it("finishes a change killed after its intent with the same request id, once, and marks the history", async () => {
    const project = await fixture.createCheckout(fixture.createStateSection(backend));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    const show = async (): Promise<ShownRecord> =>
      JSON.parse((await project.run(["state", "show", "contoso/seats", "--json"])).stdout) as ShownRecord;
    const subscriptionId = (await show()).remoteLineItems?.[0]?.subscriptionId ?? "";
    expect(subscriptionId).not.toBe("");
    await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9));

    const child = project.spawn(["apply", "--auto-approve", "--json"]);
    let requestId = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const started = /"type":"update_started".*?"requestId":"([0-9a-f-]{36})"/.exec(chunk.toString());
      if (started?.[1] !== undefined) {
        requestId = started[1];
        child.kill("SIGKILL");
      }
    });
    await new Promise((resolve) => child.on("close", resolve));
    expect(requestId).not.toBe("");

    // The killed run's lease is taken over (local, pg) or runs out (azblob) within the wait.
    const resumed = await project.run(["apply", "--auto-approve", "--lock-timeout", "2m"]);
    expect(resumed.stderr).not.toContain("Error");
    expect(resumed.code).toBe(0);
    const subscription = await fetchJson<{ quantity: number }>(
      `${fixture.sandbox.url}/_sandbox/subscriptions/${subscriptionId}`,
    );
    expect(subscription.quantity).toBe(9);
    expect((await show()).seatChanges?.map((c) => [c.from, c.to, c.requestId])).toEqual([[7, 9, requestId]]);
    const history = await project.run(["state", "history"]);
    expect(history.stdout).toContain("[seats: 1 changed]");
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
  });
});
