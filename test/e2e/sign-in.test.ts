/**
 * Secretless sign-in end to end (docs/sign-in.md): the built CLI against a real sandbox over
 * loopback, signing in with a federated token from the sandbox's test OIDC issuer (GitHub
 * Actions' protocol, a file, a variable) or with a certificate assertion, and refused sign-ins:
 * one clear auth error, nothing bought, no secret in the output. Fail fast: a refused sign-in or
 * a 401/403 refusing the credentials while reading stops plan and apply with one error, not one
 * per customer; a 403 about one customer is that customer's error. Orders for a customer of an
 * indirect reseller need App+User: an app-only apply stops at the first with one error.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CONTOSO,
  REPO_ROOT,
  SANDBOX_TENANT,
  createTestProject,
  fetchJson,
  listSandboxOrders,
  resetSandbox,
  setSandboxFaults,
  writeStandardOrders,
  type RunResult,
  type TestProject,
} from "./helpers.js";

const APP = "5a0c1e2f-0000-4000-8000-00000000a11c";
const SUBJECT = "repo:contoso/orders:environment:production";
const AUDIENCE = "api://AzureADTokenExchange";
const STRANGER = "11111111-2222-4333-8444-555555555555";
const OTHER_PARTNER = "00000000-0000-4000-8000-000000000002";
const FIXTURES = join(REPO_ROOT, "test/fixtures/sign-in");

let sandbox: RunningSandbox;
let project: TestProject;
let issuer: string;

async function post<T>(path: string, body: unknown): Promise<T> {
  return fetchJson<T>(`${sandbox.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

/** Replaces the project's auth section with `lines` (indented under auth:). */
async function setAuth(lines: string[]): Promise<void> {
  const path = join(project.dir, "orderform.config.yaml");
  const config = (await readFile(path, "utf8")).replace(/^auth:\n( {2}.*\n)+/m, "");
  await writeFile(
    path,
    `${config}auth:\n${[
      ...lines,
      `tenantId: ${SANDBOX_TENANT}`,
      `clientId: ${APP}`,
      `authorityHost: ${sandbox.url}`,
    ]
      .map((l) => `  ${l}\n`)
      .join("")}`,
  );
}

async function registerApp(): Promise<void> {
  await post("/_sandbox/apps", {
    clientId: APP,
    partnerTenantId: SANDBOX_TENANT,
    federatedCredentials: [{ issuer, subject: SUBJECT, audience: AUDIENCE }],
    certificates: [await readFile(join(FIXTURES, "test-only-app.pem"), "utf8")],
  });
}

async function mintToken(claims: object): Promise<string> {
  return (await post<{ value: string }>("/_sandbox/issuer/tokens", claims)).value;
}

async function writeStrangerOrder(): Promise<void> {
  await project.writeOrder(
    "stranger.yaml",
    (await readFile(join(project.dir, "orders/contoso.yaml"), "utf8"))
      .replace("contoso/seats", "stranger/seats")
      .replace(/customer: .*/, `customer: ${STRANGER}`),
  );
}

function expectNoSecret(result: RunResult, secrets: string[]): void {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  issuer = `${sandbox.url}/_sandbox/issuer`;
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  await registerApp();
  project = await createTestProject(sandbox.url);
  await writeStandardOrders(project);
});
afterEach(async () => {
  await project.cleanup();
});

describe("federated sign-in", () => {
  it("assertion: github-actions asks the job's OIDC token with the audience and applies; the request token never shows", async () => {
    const { url, token } = await post<{ url: string; token: string }>("/_sandbox/issuer/request-tokens", {
      subject: SUBJECT,
    });
    await setAuth(["mode: federated", "assertion: github-actions"]);
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: token,
      ORDERFORM_LOG: "debug",
    };
    const apply = await project.run(["apply", "--auto-approve"], { env });
    expect(apply.stderr).toContain("grant_type=client_credentials");
    expect(apply.code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);
    expectNoSecret(apply, [token]);
  });

  it("without id-token permission (no ACTIONS_ID_TOKEN_REQUEST_URL) plan stops with one error naming the fix", async () => {
    await setAuth(["mode: federated", "assertion: github-actions"]);
    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toContain("ACTIONS_ID_TOKEN_REQUEST_URL is not set");
    expect(plan.stdout + plan.stderr).toContain("id-token: write");
  });

  it("assertionFile is read afresh and signs in; a subject the app does not trust is refused once, nothing bought, the token not shown", async () => {
    await setAuth(["mode: federated", "assertionFile: federated-token"]);
    await writeFile(
      join(project.dir, "federated-token"),
      `${await mintToken({ subject: SUBJECT, audience: AUDIENCE })}\n`,
    );
    expect((await project.run(["plan"])).code).toBe(0);

    const wrong = await mintToken({ subject: "repo:contoso/orders:pull_request", audience: AUDIENCE });
    await writeFile(join(project.dir, "federated-token"), wrong);
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    const output = apply.stdout + apply.stderr;
    expect(output).toContain("AADSTS700213");
    expect(output).toContain("[auth.token-failed]");
    expect(output.match(/AADSTS700213/g)).toHaveLength(1);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(0);
    expectNoSecret(apply, [wrong]);
  });

  it("assertionEnv: an expired token, a wrong audience and a token of an unknown issuer are each refused with Entra's code", async () => {
    await setAuth(["mode: federated", "assertionEnv: AZURE_FEDERATED_TOKEN"]);
    const cases: [object, string][] = [
      [{ subject: SUBJECT, audience: AUDIENCE, expiresInSeconds: -60 }, "AADSTS700024"],
      [{ subject: SUBJECT, audience: "api://SomethingElse" }, "AADSTS700212"],
    ];
    for (const [claims, code] of cases) {
      const value = await mintToken(claims);
      const plan = await project.run(["plan"], { env: { AZURE_FEDERATED_TOKEN: value } });
      expect(plan.code).toBe(1);
      expect(plan.stdout + plan.stderr).toContain(code);
      expectNoSecret(plan, [value]);
    }
    // Registered issuer differs: the app trusts nobody at this URL's other path.
    await post("/_sandbox/apps", {
      clientId: APP,
      partnerTenantId: SANDBOX_TENANT,
      federatedCredentials: [
        { issuer: "https://token.actions.githubusercontent.com", subject: SUBJECT, audience: AUDIENCE },
      ],
    });
    const value = await mintToken({ subject: SUBJECT, audience: AUDIENCE });
    const plan = await project.run(["plan"], { env: { AZURE_FEDERATED_TOKEN: value } });
    expect(plan.stdout + plan.stderr).toContain("AADSTS700211");
  });
});

describe("certificate sign-in", () => {
  it("a registered certificate signs in (file and variable); an unregistered one is refused and nothing is bought", async () => {
    await setAuth(["mode: certificate", `certificateFile: ${join(FIXTURES, "test-only-app.pem")}`]);
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(0);
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(3);

    await resetSandbox(sandbox.url);
    await registerApp();
    const other = await readFile(join(FIXTURES, "test-only-other.pem"), "utf8");
    await setAuth(["mode: certificate", "certificateEnv: ORDERFORM_CERTIFICATE"]);
    const refused = await project.run(["apply", "--auto-approve"], { env: { ORDERFORM_CERTIFICATE: other } });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("AADSTS700027");
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(0);
    const keyLine = other.split("\n")[1] ?? "";
    expectNoSecret(refused, [keyLine]);
  });

  it("a PEM without a certificate is reported without quoting it", async () => {
    const pem = await readFile(join(FIXTURES, "test-only-app.pem"), "utf8");
    const keyOnly = pem.slice(0, pem.indexOf("-----BEGIN CERTIFICATE-----"));
    await setAuth(["mode: certificate", "certificateEnv: ORDERFORM_CERTIFICATE"]);
    const plan = await project.run(["plan"], { env: { ORDERFORM_CERTIFICATE: keyOnly } });
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toContain("[auth.invalid-certificate]");
    expectNoSecret(plan, [keyOnly.split("\n")[1] ?? ""]);
  });
});

describe("fail fast", () => {
  it("a refused client secret stops plan and apply with one error, not one per customer", async () => {
    for (const args of [["plan"], ["apply", "--auto-approve"]]) {
      const result = await project.run(args, { env: { ORDERFORM_TEST_SECRET: "not-the-secret" } });
      expect(result.code).toBe(1);
      const output = result.stdout + result.stderr;
      expect(output.match(/AADSTS7000215/g)).toHaveLength(1);
      expect(output).not.toContain("listing the orders");
      expectNoSecret(result, ["not-the-secret"]);
    }
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(0);
  });

  it("a 403 on a customer's list stops the run with one auth.unauthorized error", async () => {
    // A 403 that refuses the credentials (the role code, 900150) on every list, not one customer.
    await setSandboxFaults(sandbox.url, {
      errorRate: { probability: 1, status: 403, route: { method: "GET", pathPattern: "/orders$" } },
    });
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    const output = apply.stdout + apply.stderr;
    expect(output.match(/\[auth\.unauthorized\]/g)).toHaveLength(1);
    expect(output).toContain("403");
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(0);
  });

  it("a 403 about one customer (no relationship, 20002) is that customer's one diagnostic; the other customers are still read", async () => {
    // A customer of another partner: Partner Center answers 403 20002 to this one.
    await post("/_sandbox/customers", { id: STRANGER, partnerTenantId: OTHER_PARTNER });
    await writeStrangerOrder();
    const plan = await project.run(["plan"]);
    expect(plan.code).toBe(1);
    const output = plan.stdout + plan.stderr;
    // One diagnostic for that customer: reading its name (for its create) says it is not the
    // partner's, and the list's 403 20002 adds no second one (docs/planning.md).
    expect(output.match(/plan\.unknown-customer/g)).toHaveLength(1);
    expect(output).toContain(`customer ${STRANGER} is not one of the partner's customers`);
    expect(output).not.toContain("[auth.unauthorized]");
    const stats = await fetchJson<{ routes: Record<string, Record<string, number>> }>(
      `${sandbox.url}/_sandbox/stats`,
    );
    expect(stats.routes["GET /v1/customers/{customerId}/orders"]).toEqual({ "200": 3, "403": 1 });
    // Left out with --customer, the others plan.
    const others = await project.run(["plan", "--customer", CONTOSO]);
    expect(others.code).toBe(0);
    expect(others.stdout).toContain("+ create contoso/seats");
  });
});

describe("orders for a customer of an indirect reseller", () => {
  const RESELLERS_CUSTOMER = "8e3c1a2b-4d5f-4a6b-9c7d-0e1f2a3b4c5d";

  it("an app-only sign-in is refused once (auth.app-user-required), nothing is bought for it and nothing more starts; app+user places it", async () => {
    await post("/_sandbox/customers", { id: RESELLERS_CUSTOMER, indirectReseller: true });
    await project.writeOrder(
      "adatum.yaml",
      (await readFile(join(project.dir, "orders/contoso.yaml"), "utf8"))
        .replace("contoso/seats", "adatum/seats")
        .replace(/customer: .*/, `customer: ${RESELLERS_CUSTOMER}`),
    );
    const refused = await project.run(["apply", "--auto-approve", "--parallelism", "1"]);
    expect(refused.code).toBe(1);
    const output = refused.stdout + refused.stderr;
    expect(output.match(/\[auth\.app-user-required\]/g)).toHaveLength(1);
    expect(output).toContain("code 900150");
    expect(output).toContain("mode: app+user");
    const orders = await listSandboxOrders(sandbox.url);
    expect(orders.filter((o) => o.customerId === RESELLERS_CUSTOMER)).toHaveLength(0);
    expect(orders.length).toBeLessThan(3);
    const state = await project.readState();
    expect(JSON.stringify(state)).not.toContain(RESELLERS_CUSTOMER.slice(0, 8) + '","requestId');
    expect(JSON.stringify(state)).toContain("900150");

    const path = join(project.dir, "orderform.config.yaml");
    const config = (await readFile(path, "utf8")).replace(/^auth:\n( {2}.*\n)+/m, "");
    await writeFile(
      path,
      `${config}auth:\n  mode: app+user\n  tenantId: ${SANDBOX_TENANT}\n  clientId: orderform-sandbox\n` +
        `  clientSecretEnv: ORDERFORM_TEST_SECRET\n  refreshTokenEnv: ORDERFORM_TEST_REFRESH\n  authorityHost: ${sandbox.url}\n`,
    );
    const placed = await project.run(["apply", "--auto-approve"], {
      env: { ORDERFORM_TEST_REFRESH: "sandbox-refresh-token" },
    });
    expect(placed.code).toBe(0);
    const after = await listSandboxOrders(sandbox.url);
    expect(after.filter((o) => o.customerId === RESELLERS_CUSTOMER)).toHaveLength(1);
    expect(after).toHaveLength(4);
  });
});
