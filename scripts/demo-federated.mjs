// Secretless sign-in, tried against the sandbox (README.md, "Sign-in without a secret (CI)"): what
// a GitHub Actions job with `permissions: id-token: write` does, with the sandbox standing in for
// both GitHub's OIDC issuer and Entra ID. It starts `orderform sandbox`, registers an app that
// trusts the sandbox's test issuer for one subject (a federated credential), asks the issuer for
// the two values a job gets (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN), and
// runs `orderform plan` on a copy of this repository's orders with `auth.mode: federated`: no
// secret anywhere. Then it shows that a job whose subject the app does not trust is refused.
// Everything lives in a temporary folder and the sandbox's memory; nothing here is kept.
// Run: npm run demo:federated (after `npm ci`, which builds dist/)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist/cli/main.js");
const TENANT = "00000000-0000-4000-8000-000000000001"; // the sandbox's default partner
const CLIENT_ID = "orderform-ci-demo";
const AUDIENCE = "api://AzureADTokenExchange";
const TRUSTED = "repo:contoso/orders:environment:production";

const sandbox = spawn(process.execPath, [CLI, "sandbox", "--port", "0"], {
  stdio: ["ignore", "pipe", "ignore"],
});
const dir = await mkdtemp(join(tmpdir(), "orderform-federated-demo-"));
try {
  const [first] = await once(sandbox.stdout, "data");
  const url = /listening on (\S+)/.exec(String(first))?.[1];
  if (url === undefined) throw new Error(`unexpected sandbox output: ${String(first)}`);
  sandbox.stdout.resume();

  const issuer = `${url}/_sandbox/issuer`;
  await post(url, "/_sandbox/apps", {
    clientId: CLIENT_ID,
    partnerTenantId: TENANT,
    federatedCredentials: [{ issuer, subject: TRUSTED, audience: AUDIENCE }],
  });
  console.log(`An app ${CLIENT_ID} trusts tokens of ${issuer.replace(url, "SANDBOX")} for`);
  console.log(`  subject ${TRUSTED}, audience ${AUDIENCE}.`);

  await cp(join(ROOT, "orders"), join(dir, "orders"), { recursive: true });
  const config = [
    `endpoint: ${url}`,
    "auth:",
    "  mode: federated",
    `  tenantId: ${TENANT}`,
    `  clientId: ${CLIENT_ID}`,
    "  assertion: github-actions",
    `  authorityHost: ${url}`,
    "state:",
    "  backend: local",
    "  path: orderform.state.json",
    "",
  ].join("\n");
  await writeFile(join(dir, "orderform.config.yaml"), config);
  console.log("\norderform.config.yaml (no secret, nor the name of one):");
  console.log(config.replaceAll(url, "SANDBOX").replace(/^/gm, "  ").trimEnd());

  for (const subject of [TRUSTED, "repo:contoso/orders:pull_request"]) {
    const job = await post(url, "/_sandbox/issuer/request-tokens", { subject });
    console.log(`\n$ orderform plan   # a job whose token says subject ${subject}`);
    const plan = await runCli(["plan"], dir, {
      ACTIONS_ID_TOKEN_REQUEST_URL: job.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.token,
    });
    const lines = plan.output.trimEnd().split("\n");
    // The plan's last line says what it would buy; a refusal is its first line and hint.
    const shown = plan.code === 1 ? lines.slice(0, 2) : lines.slice(-1);
    console.log(`${shown.join("\n").replaceAll(url, "SANDBOX")}\n(exit ${plan.code})`);
  }
} finally {
  sandbox.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}

async function post(url, path, body) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** `orderform ARGS` in `cwd` with only PATH, HOME and `extra` in its environment: no secret. */
function runCli(args, cwd, extra) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: "true", NO_COLOR: "1", ...extra },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}
