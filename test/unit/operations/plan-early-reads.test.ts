/**
 * Plan lists the customers state records while its order files load (src/operations/plan.ts). Run
 * in-process against the sandbox over loopback, so that the listing's progress events are seen as
 * the CLI sees them: a plan that ends on its order files shows their diagnostics alone.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEmptyState } from "../../../src/core/state-journal.js";
import type { OperationEvent } from "../../../src/operations/context.js";
import type { runPlanOperation as RunPlanOperation } from "../../../src/operations/plan.js";
import { startSandbox, type RunningSandbox } from "../../../src/sandbox/index.js";
import { CONTOSO, LICENSE_OFFER, SANDBOX_TENANT, createOrderYaml } from "../../e2e/helpers.js";
import { LINEAGE, createOrder } from "../state/fixtures.js";

// The built module (npm test builds first): plan loads its order files and state on workers that
// run from dist/ only (src/manifests/order-files-worker.ts, src/state/state-worker.ts).
const { runPlanOperation } = (await import(
  new URL("../../../dist/operations/plan.js", import.meta.url).href
)) as { runPlanOperation: typeof RunPlanOperation };

/** Enough files that loading them outlasts a sign-in and a list over loopback. */
const FILES = 1500;

let sandbox: RunningSandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), "orderform-plan-early-"));
  await mkdir(join(dir, "orders"));
  await writeFile(
    join(dir, "orderform.config.yaml"),
    [
      `endpoint: ${sandbox.url}`,
      "auth:",
      "  mode: app",
      `  tenantId: ${SANDBOX_TENANT}`,
      "  clientId: orderform-sandbox",
      "  clientSecretEnv: ORDERFORM_TEST_SECRET",
      `  authorityHost: ${sandbox.url}`,
      "state:",
      "  backend: local",
      "  path: orderform.state.json",
    ].join("\n") + "\n",
  );
  const recorded = createOrder("contoso/recorded", { status: "completed" });
  await writeFile(
    join(dir, "orderform.state.json"),
    JSON.stringify({ ...createEmptyState(LINEAGE), serial: 1, orders: { [recorded.name]: recorded } }),
  );
  for (let i = 0; i < FILES; i += 1)
    await writeFile(join(dir, "orders", `o${i}.yaml`), createOrderYaml(`o${i}`, CONTOSO, LICENSE_OFFER, 1));
  await writeFile(join(dir, "orders", "zz-broken.yaml"), "name: [broken\n");
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

it("a plan that ends on its order files sends no progress, whatever the early listing read", async () => {
  const events: OperationEvent[] = [];
  const result = await runPlanOperation(
    {
      location: { cwd: dir },
      env: { ORDERFORM_TEST_SECRET: "sandbox-secret" },
      toolVersion: "0.0.0-test",
      signal: new AbortController().signal,
      onEvent: (event) => events.push(event),
    },
    { customers: [], replace: [], allowDuplicate: [], refresh: "full" },
  );
  expect(result.kind).toBe("invalid");
  expect(events.filter((e) => e.type === "list-progress")).toEqual([]);
});
