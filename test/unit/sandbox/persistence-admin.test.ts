import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runSandbox } from "../../../src/cli/commands/sandbox.js";
import type { CliContext } from "../../../src/cli/context.js";
import { BASIC, CONTOSO, createLicenseOrder, startTestSandbox } from "./helpers.js";
import type { TestSandbox } from "./helpers.js";

const dirs: string[] = [];
const open: TestSandbox[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startOn(dataFile: string): Promise<TestSandbox> {
  const s = await startTestSandbox({ dataFile });
  open.push(s);
  return s;
}

function createDataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "orderform-sandbox-"));
  dirs.push(dir);
  return join(dir, "store.json");
}

describe("persistence", () => {
  it("an order and its request record are on disk before the 201 (no close, as if killed)", async () => {
    const dataFile = createDataFile();
    const first = await startOn(dataFile);
    const created = await first.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC), {
      "MS-RequestId": "req-durable",
    });
    expect(created.status).toBe(201);
    expect(readFileSync(`${dataFile}.log`, "utf8")).toContain(String(created.body.id));
    // A second process-like instance reads what is on disk now; the first is never closed first.
    // Its lock is made to name a dead process, as a killed sandbox's would, and is taken over.
    writeFileSync(`${dataFile}.lock`, JSON.stringify({ pid: spawnSync("true").pid, host: hostname() }));
    const second = await startOn(dataFile);
    const replay = await second.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC), {
      "MS-RequestId": "req-durable",
    });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(created.body.id);
    expect((await second.admin("GET", "/_sandbox/orders")).body.totalCount).toBe(1);
  });

  it("a clean restart keeps orders, request records and admin-registered customers; the log is folded", async () => {
    const dataFile = createDataFile();
    const first = await startOn(dataFile);
    const customer = "0f0e0d0c-0b0a-4908-8706-050403020100";
    expect(
      (await first.admin("POST", "/_sandbox/customers", { id: customer, companyName: "Adatum" })).status,
    ).toBe(200);
    const created = await first.call("POST", `/v1/customers/${customer}/orders`, createLicenseOrder(BASIC), {
      "MS-RequestId": "req-restart",
    });
    await first.close();
    open.splice(open.indexOf(first), 1);
    expect(readFileSync(`${dataFile}.log`, "utf8")).toBe("");
    const second = await startOn(dataFile);
    const got = await second.call("GET", `/v1/customers/${customer}/orders/${String(created.body.id)}`);
    expect(got.status).toBe(200);
    const replay = await second.call("POST", `/v1/customers/${customer}/orders`, createLicenseOrder(BASIC), {
      "MS-RequestId": "req-restart",
    });
    expect(replay.body).toEqual(created.body);
  });
});

describe("admin API", () => {
  it("health, bulk customers and bulk orders (2,000 orders over 1,000 customers), filter and patch", async () => {
    const s = await startTestSandbox({ sandboxLimits: true });
    open.push(s);
    expect((await s.admin("GET", "/_sandbox/health")).body.status).toBe("ok");
    const ids = Array.from(
      { length: 1000 },
      (_, i) => `${i.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`,
    );
    const customers = await s.admin(
      "POST",
      "/_sandbox/customers",
      ids.map((id) => ({ id, companyName: `C${id}` })),
    );
    expect(customers.body.count).toBe(1000);
    const seeded = await s.admin(
      "POST",
      "/_sandbox/orders",
      ids.flatMap((customer, i) => [
        { customer, ...createLicenseOrder(BASIC, 30), requestId: `seed-${i}` },
        {
          customer,
          order: createLicenseOrder(BASIC, 1),
          creationDate: "2024-05-01T10:00:00.1234567Z",
          status: "pending",
        },
      ]),
    );
    expect(seeded.status).toBe(200);
    expect(seeded.body.count).toBe(2000);
    const first = (seeded.body.items as { order: { id: string; status: string } }[])[0];
    expect(first?.order.status).toBe("completed");
    const list = await s.call("GET", `/v1/customers/${ids[0] ?? ""}/orders`);
    expect(list.body.totalCount).toBe(2);
    expect((list.body.items as { creationDate: string }[])[1]?.creationDate).toBe(
      "2024-05-01T10:00:00.1234567Z",
    );
    // The seeded request id replays like a real create.
    const replay = await s.call(
      "POST",
      `/v1/customers/${ids[0] ?? ""}/orders`,
      createLicenseOrder(BASIC, 30),
      { "MS-RequestId": "seed-0" },
    );
    expect(replay.body.id).toBe(first?.order.id);
    const filtered = await s.admin("GET", `/_sandbox/orders?customer=${ids[1] ?? ""}`);
    expect(filtered.body.totalCount).toBe(2);
    const patched = await s.admin("PATCH", `/_sandbox/orders/${first?.order.id ?? ""}`, {
      status: "cancelled",
      quantity: 7,
    });
    expect(patched.status).toBe(200);
    const got = await s.call("GET", `/v1/customers/${ids[0] ?? ""}/orders/${first?.order.id ?? ""}`);
    expect(got.body.status).toBe("cancelled");
    expect((got.body.lineItems as { quantity: number }[])[0]?.quantity).toBe(7);
    expect(
      (await s.admin("POST", "/_sandbox/orders", [{ customer: "nope", ...createLicenseOrder(BASIC) }]))
        .status,
    ).toBe(400);
    const compact = await s.admin("POST", "/_sandbox/orders?compact=1", [
      { customer: CONTOSO, ...createLicenseOrder(BASIC) },
    ]);
    expect(Object.keys((compact.body.items as Record<string, unknown>[])[0] ?? {}).sort()).toEqual([
      "customerId",
      "id",
      "partnerTenantId",
      "requestId",
    ]);
  });

  it("stats count requests by route and status; reset clears orders and stats", async () => {
    const s = await startTestSandbox();
    open.push(s);
    await s.call("GET", `/v1/customers/${CONTOSO}/orders`);
    await s.call("GET", `/v1/customers/${CONTOSO}/orders/nope`);
    const stats = await s.admin("GET", "/_sandbox/stats");
    expect((stats.body.routes as Record<string, unknown>)["GET /v1/customers/{customerId}/orders"]).toEqual({
      "200": 1,
    });
    expect(
      (stats.body.routes as Record<string, unknown>)["GET /v1/customers/{customerId}/orders/{orderId}"],
    ).toEqual({ "404": 1 });
    await s.call("POST", `/v1/customers/${CONTOSO}/orders`, createLicenseOrder(BASIC));
    await s.admin("POST", "/_sandbox/reset");
    expect((await s.admin("GET", "/_sandbox/orders")).body.totalCount).toBe(0);
    expect((await s.admin("GET", "/_sandbox/stats")).body.total).toBe(0);
  });
});

describe("orderform sandbox command", () => {
  it("prints the listening line first, serves, and returns 0 after the signal", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const controller = new AbortController();
    const ctx: CliContext = {
      global: { color: false, json: false },
      stdout,
      stderr,
      stdinIsTTY: false,
      env: {},
      cwd: process.cwd(),
      version: "test",
      signal: controller.signal,
    };
    let output = "";
    const firstLine = new Promise<string>((resolve) => {
      stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("\n")) resolve(output.split("\n")[0] ?? "");
      });
    });
    const result = runSandbox(ctx, { port: 0, host: "127.0.0.1", rateLimit: 500, sandboxLimits: false });
    const line = await firstLine;
    expect(line).toMatch(/^orderform sandbox listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.slice("orderform sandbox listening on ".length);
    expect((await fetch(`${url}/_sandbox/health`)).status).toBe(200);
    controller.abort();
    expect(await result).toBe(0);
    await expect(fetch(`${url}/_sandbox/health`)).rejects.toThrow();
  });
});
