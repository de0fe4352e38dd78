/**
 * Bad input end to end: the built CLI (node dist/cli/main.js) against a sandbox over loopback.
 * Every case must end with a clear error (file:line:col and code, or a code and a hint) and change
 * nothing: no request reaches the sandbox's order or token routes, and no state is written.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  CLI,
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  fetchJson,
  resetSandbox,
  type RunResult,
  type TestProject,
} from "./helpers.js";

let sandbox: RunningSandbox;
let project: TestProject;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  project = await createTestProject(sandbox.url);
});
afterAll(async () => {
  await project.cleanup();
  await sandbox.close();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
  await project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 7));
});

/** Requests the client under test sent (admin calls are not counted). */
async function countRequests(): Promise<number> {
  return (await fetchJson<{ total: number }>(`${sandbox.url}/_sandbox/stats`)).total;
}

async function expectNothingChanged(): Promise<void> {
  expect(await countRequests()).toBe(0);
  expect(await project.readState()).toBeNull();
}

const COMMANDS: [string, string[]][] = [
  ["validate", ["validate"]],
  ["plan", ["plan"]],
  ["apply", ["apply", "--auto-approve"]],
];

/** Diagnostics go to stdout for validate (its findings are its output) and to stderr otherwise. */
function readOutput(command: string, result: RunResult): string {
  return command === "validate" ? result.stdout : result.stderr;
}

function createQuantityOrder(quantity: string): string {
  return createOrderYaml("bad/quantity", CONTOSO, LICENSE_OFFER, 1).replace(
    "quantity: 1",
    `quantity: ${quantity}`,
  );
}

describe.each(COMMANDS)("%s refuses bad order files before sending anything", (command, args) => {
  it.each([
    ["1e3", /written in digits, got 1e3 \(YAML reads it as the number 1000\)/],
    ["99999999999999999999", /must be at most 100000, got a number beyond the safe integers/],
  ])("quantity %s", async (quantity, message) => {
    await project.writeOrder("quantity.yaml", createQuantityOrder(quantity));
    const result = await project.run(args);
    await project.removeOrder("quantity.yaml");
    expect(result.code).toBe(1);
    const output = readOutput(command, result);
    expect(output).toContain("orders/quantity.yaml:7:15  order.invalid-quantity  lineItems[0].quantity");
    expect(output).toMatch(message);
    await expectNothingChanged();
  });

  it("51 line items", async () => {
    const item = `  - offerId: "${LICENSE_OFFER}"\n    quantity: 1\n    termDuration: P1M\n    attestationAccepted: true\n`;
    const head = createOrderYaml("bad/many", CONTOSO, LICENSE_OFFER, 1).split("lineItems:\n")[0]!;
    await project.writeOrder("many.yaml", `${head}lineItems:\n${item.repeat(51)}`);
    const result = await project.run(args);
    await project.removeOrder("many.yaml");
    expect(result.code).toBe(1);
    expect(readOutput(command, result)).toContain(
      "orders/many.yaml:6:3  order.too-many-line-items  lineItems lists 51 line items; at most 50 are allowed",
    );
    await expectNothingChanged();
  });

  it("an undefined alias", async () => {
    await project.writeOrder("alias.yaml", createQuantityOrder("*nope"));
    const result = await project.run(args);
    await project.removeOrder("alias.yaml");
    expect(result.code).toBe(1);
    expect(readOutput(command, result)).toContain(
      "orders/alias.yaml:7:15  yaml.undefined-alias  alias *nope names no anchor defined before it",
    );
    await expectNothingChanged();
  });

  it.each([
    ["[", `a: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`, "1:67"],
    ["{", `a: ${"{a: ".repeat(10_000)}${"}".repeat(10_000)}\n`, "1:256"],
    ["- ", `a:\n  ${"- ".repeat(10_000)}x\n`, "2:129"],
    [
      "block mappings",
      Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + "\n",
      "65:65",
    ],
  ])("10,000 levels of %s", async (_label, text, position) => {
    await project.writeOrder("deep.yaml", text);
    const result = await project.run(args);
    await project.removeOrder("deep.yaml");
    expect(result.code).toBe(1);
    const output = readOutput(command, result);
    expect(output).toContain(
      `orders/deep.yaml:${position}  yaml.too-deep  collections nest more than 64 levels`,
    );
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/internal error|RangeError|call stack/);
    await expectNothingChanged();
  });
});

describe.each([
  ["plan", ["plan"]],
  ["apply", ["apply", "--auto-approve"]],
])("%s checks its options before sending anything", (_command, args) => {
  it.each(["0", "101", "1000"])("--parallelism %s is refused, naming the config's bounds", async (n) => {
    const result = await project.run([...args, "--parallelism", n]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `--parallelism must be an integer from 1 to 100, got ${n}  [cli.invalid-parallelism]`,
    );
    expect(result.stderr).toContain("the same bounds as parallelism in the config file");
    await expectNothingChanged();
  });

  it("--customer that is no GUID", async () => {
    const result = await project.run([...args, "--customer", "contoso"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cli.invalid-customer  --customer "contoso" is not a tenant id (GUID)');
    await expectNothingChanged();
  });

  it("--customer that nothing names, with a did-you-mean", async () => {
    const typo = `${CONTOSO.slice(0, -2)}6b`;
    const result = await project.run([...args, "--customer", typo]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cli.unknown-customer  --customer ${typo} is named by no declared order`);
    expect(result.stderr).toContain(`hint: did you mean ${CONTOSO}?`);
    await expectNothingChanged();
  });

  it("a client secret ending with CRLF, without printing it", async () => {
    const result = await project.run(args, { env: { ORDERFORM_TEST_SECRET: "sandbox-secret\r\n" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "the value of ORDERFORM_TEST_SECRET (auth.clientSecretEnv) ends with \\r\\n: a file saved with Windows line endings?  [auth.malformed-secret]",
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain("sandbox-secret");
    await expectNothingChanged();
  });
});

describe("orderform sandbox (built CLI)", () => {
  it.each(["abc", "70000", "-1"])("--port %s is refused", async (port) => {
    const result = await project.run(["sandbox", "--port", port]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `--port must be an integer from 0 to 65535, got ${port}  [cli.invalid-port]`,
    );
  });

  it("a project with endpoint: sandbox cannot use the data file a running sandbox holds", async () => {
    const dir = join(project.dir, "local");
    await mkdir(join(dir, "orders"), { recursive: true });
    await mkdir(join(dir, ".orderform"));
    await writeFile(join(dir, "orderform.config.yaml"), "endpoint: sandbox\n");
    await writeFile(join(dir, "orders", "a.yaml"), createOrderYaml("a/b", CONTOSO, LICENSE_OFFER, 1));
    const child = spawn(process.execPath, [CLI, "sandbox", "--data", ".orderform/sandbox.json"], {
      cwd: dir,
      env: project.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("listening on")) resolve();
        });
        child.on("exit", () => reject(new Error("the sandbox exited")));
      });
      const result = await project.run(["--chdir", "local", "plan"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`sandbox\\.json is in use by process ${child.pid} on .+ \\[sandbox\\.data-locked\\]`),
      );
    } finally {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    const after = await project.run(["--chdir", "local", "plan"]);
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
  });
});
