/**
 * plan's early reads end to end (docs/performance.md, "Plan cost"): plan lists the customers state
 * records while the order files load, yet reports as it did before the overlap. The order files'
 * errors come first, even when the endpoint never answers or the secret is missing, and a bad
 * --customer value is reported before any request is sent. The built CLI against a real sandbox
 * over loopback, counting the requests the sandbox received (GET /_sandbox/stats).
 */
import { copyFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  fetchJson,
  useSandboxProject,
  writeStandardOrders,
  type TestProject,
} from "./helpers.js";

const ORDERS_ROUTE = "GET /v1/customers/{customerId}/orders";
const NORTHWIND = "6c1e9a2b-8d4f-4b3a-a5c7-1e0f2d3b4a59";
const BROKEN_ERROR = "orders/broken.yaml:1:7  yaml.syntax";

const env = useSandboxProject();

/** Requests the sandbox answered since its last reset: in all, and lists of orders. */
async function readRequests(): Promise<{ total: number; lists: number }> {
  const stats = await fetchJson<{ total: number; routes: Record<string, Record<string, number>> }>(
    `${env.sandbox.url}/_sandbox/stats`,
  );
  const lists = Object.values(stats.routes[ORDERS_ROUTE] ?? {}).reduce((a, b) => a + b, 0);
  return { total: stats.total, lists };
}

/** Runs the CLI in the project; its result with the requests the sandbox answered meanwhile. */
async function runCounted(args: string[], runEnv: NodeJS.ProcessEnv = {}) {
  const before = await readRequests();
  const result = await env.project.run(args, { env: runEnv });
  const after = await readRequests();
  return {
    ...result,
    output: result.stdout + result.stderr,
    requests: { total: after.total - before.total, lists: after.lists - before.lists },
  };
}

/** Applies the standard orders, so that state records three customers. */
async function applyStandardOrders(): Promise<void> {
  await writeStandardOrders(env.project);
  expect((await env.project.run(["apply", "--auto-approve"])).code).toBe(0);
}

/** A project like `project` (its state, config and orders) pointed at `endpoint`. */
async function copyProject(project: TestProject, endpoint: string): Promise<TestProject> {
  const copy = await createTestProject(endpoint);
  await copyFile(join(project.dir, "orderform.state.json"), join(copy.dir, "orderform.state.json"));
  return copy;
}

describe("plan's early reads", () => {
  it("reports order-file errors at once even when the endpoint accepts connections and never answers", async () => {
    await applyStandardOrders();
    // Accepts every connection and reads what is sent, never answering: the token request and
    // any list started while the order files load would wait for the client's timeouts.
    const sockets = new Set<Socket>();
    let connections = 0;
    const silent = createServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on("data", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const dead = await copyProject(env.project, `http://127.0.0.1:${port}`);
    try {
      await dead.writeOrder("broken.yaml", "name: [\n");
      await writeStandardOrders(dead);
      const result = await dead.run(["plan"]);
      expect(result.code).toBe(1);
      const output = result.stdout + result.stderr;
      expect(output).toContain(BROKEN_ERROR);
      // The error of the files alone: no timeout or network error of the reads that were stopped.
      expect(output).not.toMatch(/timed? ?out|ECONN|network|listing the orders/i);
      // State named customers, so the sign-in for the early listing really went out.
      await vi.waitFor(() => expect(connections).toBeGreaterThan(0));
    } finally {
      await dead.cleanup();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("lists each customer once: state's customers early, then only those the files alone name", async () => {
    await applyStandardOrders();
    await env.project.writeOrder(
      "northwind.yaml",
      createOrderYaml("northwind/seats", NORTHWIND, LICENSE_OFFER, 2),
    );
    const result = await runCounted(["plan"]);
    expect(result.code).toBe(0);
    expect(result.output).toContain("+ create northwind/seats");
    expect(result.requests.lists).toBe(4);
    // With --customer, only that customer, early or not.
    const one = await runCounted(["plan", "--customer", CONTOSO]);
    expect(one.code).toBe(0);
    expect(one.requests.lists).toBe(1);
  });

  it("reports a --customer value that is no GUID and sends no request, alone or beside a recorded customer", async () => {
    await applyStandardOrders();
    for (const customers of [["not-a-tenant"], ["not-a-tenant", CONTOSO]]) {
      const result = await runCounted(["plan", ...customers.flatMap((c) => ["--customer", c])]);
      expect(result.code).toBe(1);
      expect(result.output).toContain("cli.invalid-customer");
      expect(result.requests, `requests for --customer ${customers.join(" ")}`).toEqual({
        total: 0,
        lists: 0,
      });
    }
  });

  it("reports a --customer GUID that names no customer and sends no request, beside a recorded customer", async () => {
    await applyStandardOrders();
    const typo = CONTOSO.replace(/^b/, "c");
    const result = await runCounted(["plan", "--customer", CONTOSO, "--customer", typo]);
    expect(result.code).toBe(1);
    expect(result.output).toContain("cli.unknown-customer");
    expect(result.requests).toEqual({ total: 0, lists: 0 });
  });

  it("reports the order files' errors, not the missing secret, when both are wrong", async () => {
    await applyStandardOrders();
    await env.project.writeOrder("broken.yaml", "name: [\n");
    const result = await runCounted(["plan"], { ORDERFORM_TEST_SECRET: "" });
    expect(result.code).toBe(1);
    expect(result.output).toContain(BROKEN_ERROR);
    expect(result.output).not.toContain("auth.missing-secret");
    expect(result.requests).toEqual({ total: 0, lists: 0 });
    // With the files fixed, the missing secret is what the run reports.
    await env.project.removeOrder("broken.yaml");
    const secretless = await runCounted(["plan"], { ORDERFORM_TEST_SECRET: "" });
    expect(secretless.code).toBe(1);
    expect(secretless.output).toContain("auth.missing-secret");
    expect(secretless.requests).toEqual({ total: 0, lists: 0 });
  });
});
