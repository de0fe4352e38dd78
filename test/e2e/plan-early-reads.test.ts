/**
 * Plan starts listing the customers state records before its order files load (src/operations/plan.ts,
 * src/operations/remote-reader.ts). What must still hold with a state present, through the built CLI:
 * an error in the order files is reported without waiting for the state backend, a refused
 * `--customer` sends nothing (README, `orderform plan`), and an interrupt while lists are
 * in flight ends the run with the interrupt alone, not one diagnostic per customer.
 */
import { writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTOSO,
  fetchJson,
  setSandboxFaults,
  useSandboxProject,
  writeStandardOrders,
  type TestProject,
} from "./helpers.js";

const harness = useSandboxProject();

/** Requests the client under test sent (admin calls are not counted). */
async function countRequests(): Promise<number> {
  return (await fetchJson<{ total: number }>(`${harness.sandbox.url}/_sandbox/stats`)).total;
}

/** A project whose state records orders of three customers. */
async function createAppliedProject(): Promise<TestProject> {
  const { project } = harness;
  await writeStandardOrders(project);
  expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
  return project;
}

describe.each([
  ["plan", ["plan"]],
  ["apply", ["apply", "--auto-approve"]],
])("%s with a state refuses --customer before sending anything", (_command, args) => {
  it.each([
    ["no GUID", "contoso", 'cli.invalid-customer  --customer "contoso" is not a tenant id (GUID)'],
    [
      "named by nothing",
      "00000000-0000-4000-8000-0000000000ff",
      "cli.unknown-customer  --customer 00000000-0000-4000-8000-0000000000ff is named by no declared order",
    ],
  ])("beside a customer state records: %s", async (_label, value, message) => {
    const project = await createAppliedProject();
    const before = await countRequests();
    const result = await project.run([...args, "--customer", CONTOSO, "--customer", value]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(await countRequests()).toBe(before);
  });
});

describe.each([
  ["plan", ["plan"]],
  ["apply", ["apply", "--auto-approve"]],
])("%s interrupted while listing", (_command, args) => {
  it("ends with one cli.interrupted error, not a diagnostic per customer", async () => {
    const project = await createAppliedProject();
    await setSandboxFaults(harness.sandbox.url, {
      latency: {
        fixedMs: 30_000,
        jitterMs: 0,
        route: { method: "GET", pathPattern: "^/v1/customers/[^/]+/(orders|subscriptions)$" },
      },
    });
    project.env.ORDERFORM_LOG = "debug";
    const child = project.spawn([...args, "--parallelism", "1"]);
    let log = "";
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        if (!/-> GET \/v1\/customers\/[^/]+\/orders/.test(log)) return;
        // One SIGINT: a second one exits at once (130).
        child.stderr?.off("data", onData);
        child.kill("SIGINT");
        resolve();
      };
      child.stderr?.on("data", onData);
    });
    await new Promise((resolve) => child.on("close", resolve));
    await setSandboxFaults(harness.sandbox.url, {});
    const result = child.output();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("interrupted by SIGINT  [cli.interrupted]");
    expect(result.stderr).not.toContain("listing the orders of customer");
  });
});

it("plan reports its order files' errors while the state backend has not answered yet", async () => {
  // A PostgreSQL that accepts the connection and never answers: the state read waits on it.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as { port: number };
  try {
    const { project } = harness;
    await writeFile(
      join(project.dir, "orderform.config.yaml"),
      [
        "endpoint: sandbox",
        "state:",
        "  backend: pg",
        "  connectionStringEnv: ORDERFORM_PG_URL",
        "  schema: orderform",
        "  name: prod",
      ].join("\n") + "\n",
    );
    await project.writeOrder("broken.yaml", "name: [\n");
    project.env.ORDERFORM_PG_URL = `postgres://orderform:secret@127.0.0.1:${port}/orderform`;
    const child = project.spawn(["plan"]);
    // The backend never answers and nothing here makes it: the run reports the file's error and
    // ends on its own, the state read stopped with it (src/state/state-worker.ts), however far it
    // got (connected or not yet) when the files were loaded.
    await new Promise((resolve) => child.on("close", resolve));
    expect(child.output().stderr).toContain("orders/broken.yaml:1:7  yaml.syntax");
    expect(child.output().stderr).not.toContain("state.");
    expect(child.output().code).toBe(1);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
