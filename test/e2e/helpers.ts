/**
 * End-to-end helpers: a temporary project pointed at a real sandbox over loopback, and the built
 * CLI run as a user would (node dist/cli/main.js), with CI set so output is plain.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(REPO_ROOT, "dist/cli/main.js");
export const SANDBOX_TENANT = "00000000-0000-4000-8000-000000000001";
export const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
export const TAILSPIN = "f81d98dd-c2f4-499e-a194-5619e260344e";
export const FABRIKAM = "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13";
export const LICENSE_OFFER = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
export const LEGACY_OFFER = "84A03D81-6B37-4D66-8D4A-FAEA24541538";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface TestProject {
  dir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  spawn(args: string[]): ChildProcess & { output: () => RunResult };
  writeOrder(file: string, yaml: string): Promise<void>;
  removeOrder(file: string): Promise<void>;
  readState(): Promise<Record<string, unknown> | null>;
  cleanup(): Promise<void>;
}

export async function createTestProject(sandboxUrl: string, extraConfig = ""): Promise<TestProject> {
  const dir = await mkdtemp(join(tmpdir(), "orderform-e2e-"));
  await mkdir(join(dir, "orders"), { recursive: true });
  await writeFile(
    join(dir, "orderform.config.yaml"),
    [
      `endpoint: ${sandboxUrl}`,
      "auth:",
      "  mode: app",
      `  tenantId: ${SANDBOX_TENANT}`,
      "  clientId: orderform-sandbox",
      "  clientSecretEnv: ORDERFORM_TEST_SECRET",
      `  authorityHost: ${sandboxUrl}`,
      "state:",
      "  backend: local",
      "  path: orderform.state.json",
      extraConfig,
    ].join("\n") + "\n",
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: "true",
    NO_COLOR: "1",
    ORDERFORM_TEST_SECRET: "sandbox-secret",
  };
  const spawnCli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...env, ...extraEnv },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const output = (): RunResult => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
    return Object.assign(child, { output });
  };
  return {
    dir,
    env,
    run: (args, options = {}) =>
      new Promise((resolvePromise, reject) => {
        const child = spawnCli(args, options.env);
        child.on("error", reject);
        child.on("close", () => resolvePromise(child.output()));
        child.stdin.end(options.input ?? "");
      }),
    spawn: (args) => {
      const child = spawnCli(args);
      child.stdin.end();
      return child;
    },
    writeOrder: (file, yaml) => writeFile(join(dir, "orders", file), yaml),
    removeOrder: (file) => rm(join(dir, "orders", file)),
    readState: async () => {
      try {
        return JSON.parse(await readFile(join(dir, "orderform.state.json"), "utf8")) as Record<
          string,
          unknown
        >;
      } catch {
        return null;
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function createOrderYaml(
  name: string,
  customer: string,
  offerId: string,
  quantity: number,
  extra = "",
): string {
  return (
    [
      `name: ${name}`,
      `customer: ${customer}`,
      "billingCycle: monthly",
      "partnerOnRecordAttestationAccepted: true",
      "lineItems:",
      `  - offerId: "${offerId}"`,
      `    quantity: ${quantity}`,
      ...(offerId === LICENSE_OFFER ? ["    termDuration: P1M", "    attestationAccepted: true"] : []),
      extra,
    ].join("\n") + "\n"
  );
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One order as the sandbox's admin API lists it (GET /_sandbox/orders). */
export interface AdminOrder {
  customerId: string;
  requestId: string | null;
  visibleInList: boolean;
  order: { id: string; status: string; lineItems: { offerId: string; quantity: number }[] };
}

export async function listSandboxOrders(sandboxUrl: string): Promise<AdminOrder[]> {
  return (await fetchJson<{ items: AdminOrder[] }>(`${sandboxUrl}/_sandbox/orders`)).items;
}

export async function setSandboxFaults(sandboxUrl: string, faults: object): Promise<void> {
  await fetchJson(`${sandboxUrl}/_sandbox/faults`, {
    method: "PUT",
    body: JSON.stringify(faults),
    headers: { "content-type": "application/json" },
  });
}

export async function resetSandbox(sandboxUrl: string): Promise<void> {
  await fetchJson(`${sandboxUrl}/_sandbox/reset`, { method: "POST" });
}

/** The three-customer project most e2e tests start from. */
export async function writeStandardOrders(project: TestProject): Promise<void> {
  await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7));
  await project.writeOrder("tailspin.yaml", createOrderYaml("tailspin/legacy", TAILSPIN, LEGACY_OFFER, 3));
  await project.writeOrder("fabrikam.yaml", createOrderYaml("fabrikam/seats", FABRIKAM, LICENSE_OFFER, 4));
}

/**
 * Registers the usual hooks of a test file: one sandbox for the file, reset before each test, and
 * a fresh project per test. Read `sandbox` and `project` inside tests (they change per test).
 */
export function useSandboxProject(): { readonly sandbox: RunningSandbox; readonly project: TestProject } {
  let sandbox: RunningSandbox | undefined;
  let project: TestProject | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    if (sandbox === undefined) throw new Error("the sandbox did not start");
    await resetSandbox(sandbox.url);
    project = await createTestProject(sandbox.url);
  });
  afterEach(async () => {
    await project?.cleanup();
  });
  return {
    get sandbox() {
      if (sandbox === undefined) throw new Error("no sandbox outside a test");
      return sandbox;
    },
    get project() {
      if (project === undefined) throw new Error("no project outside a test");
      return project;
    },
  };
}
