import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs the built CLI (npm test builds dist/ first).
const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "dist/cli/main.js");
const run = promisify(execFile);

async function runCli(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "orderform-validate-e2e-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, orders: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, `orders: ${orders}\n`);
  return file;
}

interface JsonOutput {
  ok: boolean;
  errors: number;
  files: number;
  orders: number;
  diagnostics: {
    code: string;
    file?: string;
    line?: number;
    column?: number;
    hint?: string;
    severity: string;
  }[];
}

describe("orderform validate (built CLI)", () => {
  it("passes on the repository's examples", async () => {
    const result = await runCli(["validate"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Valid: [4-6] orders in \d+ files\.\n$/);
  });

  it("--json on the examples prints one object with no diagnostics", async () => {
    const result = await runCli(["validate", "--json"]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as JsonOutput;
    expect(out).toMatchObject({ ok: true, errors: 0, diagnostics: [] });
    expect(out.orders).toBeGreaterThanOrEqual(4);
  });

  it("fails precisely on every file of the invalid corpus", async () => {
    const dir = "test/fixtures/orders-invalid";
    const config = writeConfig("corpus.yaml", dir);
    const result = await runCli(["validate", "--json", "--chdir", ROOT, "--config", config]);
    expect(result.code).toBe(1);
    const out = JSON.parse(result.stdout) as JsonOutput;
    const files = readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    expect(out.files).toBe(files.length);
    // Only second-document-invalid.yaml holds a valid order (its first document).
    expect(out.orders).toBe(1);
    const actual = out.diagnostics.map((d) => `${d.file} # expect: ${d.code} ${d.line}:${d.column}`);
    const expected = files.map(
      (f) => `${dir}/${f} ${readFileSync(path.join(ROOT, dir, f), "utf8").split("\n")[0]}`,
    );
    expect(actual).toEqual(expected);
  });

  it("prints file:line:col  code  message, the source line, the hint and a summary", async () => {
    const config = writeConfig("one.yaml", "test/fixtures/orders-invalid/unknown-key-pascal-case.yaml");
    const result = await runCli(["--no-color", "validate", "--chdir", ROOT, "--config", config]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'test/fixtures/orders-invalid/unknown-key-pascal-case.yaml:7:5  order.unknown-key  unknown key "Quantity" in lineItems[0]',
        "  7 |     Quantity: 5",
        "    |     ^",
        '  hint: did you mean "quantity"?',
        "Validation failed: 1 error (0 orders in 1 file valid).",
        "",
      ].join("\n"),
    );
  });

  it("exits 1 with a config diagnostic when the config is wrong", async () => {
    const file = path.join(tmp, "bad-config.yaml");
    writeFileSync(file, "ordrs: orders\n");
    const result = await runCli(["validate", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('bad-config.yaml:1:1  config.unknown-key  unknown config key "ordrs"');
    expect(result.stdout).toContain('hint: did you mean "orders"?');
  });
});
