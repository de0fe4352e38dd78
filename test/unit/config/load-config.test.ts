import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIG_DEFAULTS } from "../../../src/config/defaults.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { loadProject } from "../../../src/operations/load-project.js";

let root: string;

// Each test gets a project directory with a package.json, so the "project" search strategy stops
// there and never reads config files above the temp directory.
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "orderform-config-"));
  write("package.json", JSON.stringify({ name: "fixture", private: true }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): string {
  const abs = path.join(root, file);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return abs;
}

describe("loadConfig: finding the file", () => {
  it("applies the defaults with no config file, rooted at the start directory", async () => {
    const result = await loadConfig({ cwd: root });
    expect(result).toEqual({
      loaded: { config: { ...CONFIG_DEFAULTS }, filepath: null, rootDir: root },
      diagnostics: [],
    });
    expect(CONFIG_DEFAULTS).toEqual({
      orders: "orders",
      endpoint: "sandbox",
      state: { backend: "local", path: "orderform.state.json" },
      parallelism: 10,
      rateLimit: { requestsPerMinute: 500, key: "partner+customer" },
      locale: "en-US",
      visibilityWindowMs: 900_000,
      sandbox: { dataDir: ".orderform", listDelayMs: 0, provisioningDelayMs: 0 },
    });
  });

  it.each([
    ["orderform.config.yaml", "orders: declared\n"],
    ["orderform.config.yml", "orders: declared\n"],
    ["orderform.config.json", '{ "orders": "declared" }'],
    [".orderformrc", "orders: declared\n"],
    [".orderformrc.json", '{ "orders": "declared" }'],
    ["orderform.config.mjs", 'export default { orders: "declared" };\n'],
  ])("finds %s", async (file, text) => {
    const abs = write(file, text);
    const result = await loadConfig({ cwd: root });
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.filepath).toBe(abs);
    expect(result.loaded?.config.orders).toBe("declared");
  });

  it("reads package.json#orderform", async () => {
    write("package.json", JSON.stringify({ name: "x", orderform: { parallelism: 3 } }));
    const result = await loadConfig({ cwd: root });
    expect(result.loaded?.config.parallelism).toBe(3);
    expect(result.loaded?.filepath).toBe(path.join(root, "package.json"));
  });

  it("searches up from a subdirectory to the project root and roots the project there", async () => {
    write("orderform.config.yaml", "orders: declared\n");
    mkdirSync(path.join(root, "deep/er"), { recursive: true });
    const result = await loadConfig({ cwd: path.join(root, "deep/er") });
    expect(result.loaded?.rootDir).toBe(root);
  });

  it("with --chdir, starts there and roots the project there", async () => {
    write("sub/orderform.config.yaml", "orders: mine\n");
    write("sub/package.json", "{}");
    const result = await loadConfig({ cwd: root, chdir: "sub" });
    expect(result.loaded?.config.orders).toBe("mine");
    expect(result.loaded?.rootDir).toBe(path.join(root, "sub"));
  });

  it("with --config, loads that file (relative to the start directory) and roots at its directory", async () => {
    write("orderform.config.yaml", "orders: searched\n");
    write("conf/custom.yaml", "orders: explicit\n");
    const result = await loadConfig({ cwd: root, configPath: "conf/custom.yaml" });
    expect(result.loaded?.config.orders).toBe("explicit");
    expect(result.loaded?.rootDir).toBe(path.join(root, "conf"));
  });

  it.each([
    [{ configPath: "nope.yaml" }, "config.not-found"],
    [{ chdir: "nowhere" }, "config.chdir-not-found"],
  ])("%j gives %s", async (options, code) => {
    const result = await loadConfig({ cwd: root, ...options });
    expect(result.loaded).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual([code]);
  });

  it("an empty config file means the defaults", async () => {
    write("orderform.config.yaml", "# nothing yet\n");
    const result = await loadConfig({ cwd: root, configPath: "orderform.config.yaml" });
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.config).toEqual(CONFIG_DEFAULTS);
  });
});

describe("loadConfig: values", () => {
  it("merges the file over the defaults and converts visibilityWindow", async () => {
    write(
      "orderform.config.yaml",
      [
        "endpoint: https://api.partnercenter.microsoft.com/",
        "auth:",
        "  mode: app",
        "  tenantId: contoso.onmicrosoft.com",
        "  clientId: 11111111-2222-3333-4444-555555555555",
        "  clientSecretEnv: ORDERFORM_CLIENT_SECRET",
        "state: { path: state/prod.json }",
        "rateLimit: { requestsPerMinute: 300 }",
        "visibilityWindow: 20m",
        "sandbox: { listDelayMs: 50 }",
        "",
      ].join("\n"),
    );
    const result = await loadConfig({ cwd: root });
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.config).toEqual({
      ...CONFIG_DEFAULTS,
      endpoint: "https://api.partnercenter.microsoft.com",
      auth: {
        mode: "app",
        tenantId: "contoso.onmicrosoft.com",
        clientId: "11111111-2222-3333-4444-555555555555",
        clientSecretEnv: "ORDERFORM_CLIENT_SECRET",
      },
      state: { backend: "local", path: "state/prod.json" },
      rateLimit: { requestsPerMinute: 300, key: "partner+customer" },
      visibilityWindowMs: 1_200_000,
      sandbox: { dataDir: ".orderform", listDelayMs: 50, provisioningDelayMs: 0 },
    });
  });

  it("reads limits; absent limits are no limits", async () => {
    write("orderform.config.yaml", "limits:\n  maxQuantityPerLineItem: 500\n  maxOrdersPerApply: 20\n");
    const result = await loadConfig({ cwd: root });
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.config.limits).toEqual({ maxQuantityPerLineItem: 500, maxOrdersPerApply: 20 });
  });

  it.each([
    ["endpoint: http://127.0.0.1:8080\nauth: { mode: token, tokenEnv: T }\n", "http://127.0.0.1:8080"],
    ["endpoint: http://localhost:1\nauth: { mode: token, tokenEnv: T }\n", "http://localhost:1"],
    ["endpoint: sandbox\n", "sandbox"],
  ])("accepts %j", async (text, endpoint) => {
    write("orderform.config.yaml", text);
    const result = await loadConfig({ cwd: root });
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.config.endpoint).toBe(endpoint);
  });

  it.each([
    ["parralelism: 4\n", "config.unknown-key", 1, 1, 'did you mean "parallelism"?'],
    ["state:\n  Path: x.json\n", "config.unknown-key", 2, 3, 'did you mean "path"?'],
    ["parallelism: 0\n", "config.invalid-value", 1, 14, undefined],
    ["limits: { maxQuantityPerLineItem: 0 }\n", "config.invalid-value", 1, 35, expect.any(String)],
    ["limits:\n  maxSeatIncrease: 2.5\n", "config.invalid-value", 2, 20, expect.any(String)],
    ["limits:\n  maxOrdersPerApply: many\n", "config.invalid-value", 2, 22, expect.any(String)],
    ["limits: { maxSeats: 5 }\n", "config.unknown-key", 1, 11, expect.any(String)],
    ["rateLimit: { key: tenant }\n", "config.invalid-value", 1, 19, undefined],
    ["endpoint: http://partner.example.com\n", "config.invalid-endpoint", 1, 11, expect.any(String)],
    ["endpoint: ftp://x\n", "config.invalid-endpoint", 1, 11, expect.any(String)],
    ["endpoint: https://api.partnercenter.microsoft.com\n", "config.missing-auth", 1, 11, expect.any(String)],
    ["auth: { mode: app, tenantId: t }\n", "config.auth-incomplete", 1, 15, expect.any(String)],
    ["auth: { clientId: c }\n", "config.missing-field", 1, 7, expect.any(String)],
    ["visibilityWindow: soon\n", "config.invalid-duration", 1, 19, expect.any(String)],
    ["visibilityWindow: 1m\nvisibilityWindowMs: 5\n", "config.conflicting-keys", 1, 19, expect.any(String)],
    ["orders: [a\n", "config.syntax", 1, 9, undefined],
    ["orders: a\norders: b\n", "config.duplicate-key", 2, 1, expect.any(String)],
    ["orders: a\n---\norders: b\n", "config.multiple-documents", 3, 1, expect.any(String)],
    ["- orders\n", "config.invalid-type", 1, 1, undefined],
  ])("%j gives %s at %d:%d", async (text, code, line, column, hint) => {
    write("orderform.config.yaml", text);
    const result = await loadConfig({ cwd: root });
    expect(result.loaded).toBeNull();
    expect(
      result.diagnostics.map((d) => ({
        code: d.code,
        line: d.line,
        column: d.column,
        hint: d.hint,
        file: d.file,
      })),
    ).toEqual([{ code, line, column, hint, file: "orderform.config.yaml" }]);
  });

  it("locates errors inside package.json#orderform", async () => {
    write("package.json", '{\n  "name": "x",\n  "orderform": {\n    "parallelism": "ten"\n  }\n}\n');
    const result = await loadConfig({ cwd: root });
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ["config.invalid-value", "package.json", 4, 20],
    ]);
  });

  it.each([
    ["auth:\n  mode: app\n  clientSecret: s3cr3t-Value~42\n", "config.secret-in-config"],
    ["auth:\n  mode: token\n  token: s3cr3t-Value~42\n", "config.secret-in-config"],
    [
      "auth:\n  mode: app\n  tenantId: t\n  clientId: c\n  clientSecretEnv: s3cr3t-Value~42\n",
      "config.invalid-env-name",
    ],
  ])("never echoes a secret pasted into the config (%#)", async (text, code) => {
    write("orderform.config.yaml", text);
    const result = await loadConfig({ cwd: root });
    expect(result.diagnostics.map((d) => d.code)).toContain(code);
    expect(JSON.stringify(result.diagnostics)).not.toContain("s3cr3t");
  });
});

describe("loadProject", () => {
  it("loads the config, then the orders relative to the project root", async () => {
    write("orderform.config.yaml", "orders: declared\n");
    write(
      "declared/a.yaml",
      "name: a/one\ncustomer: b0d70a69-4c42-4b27-b17b-91a835d8686a\nbillingCycle: monthly\nlineItems:\n  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P\n    quantity: 1\n",
    );
    write("declared/b.yaml", "name: a/one\ncustomer: b0d70a69-4c42-4b27-b17b-91a835d8686a\n");
    const result = await loadProject({ cwd: root });
    expect(result.files).toEqual(["declared/a.yaml", "declared/b.yaml"]);
    expect(result.orders.map((o) => o.name)).toEqual(["a/one"]);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual([
      "declared/b.yaml:1:1 order.missing-field",
      "declared/b.yaml:1:1 order.missing-field",
    ]);
  });

  it("reports a name declared in two files at the second, pointing back at the first", async () => {
    const order = (customer: string) =>
      `name: dup/x\ncustomer: ${customer}\nbillingCycle: monthly\nlineItems:\n  - offerId: CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P\n    quantity: 1\n`;
    write("orders/a.yaml", order("b0d70a69-4c42-4b27-b17b-91a835d8686a"));
    write("orders/b/c.yaml", `# second\n${order("f81d98dd-c2f4-499e-a194-5619e260344e")}`);
    const result = await loadProject({ cwd: root });
    expect(result.orders).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.message])).toEqual([
      [
        "order.duplicate-name",
        "orders/b/c.yaml",
        2,
        7,
        'order name "dup/x" is already declared at orders/a.yaml:1:1',
      ],
    ]);
  });

  it("does not read orders when the config has errors", async () => {
    write("orderform.config.yaml", "ordres: x\n");
    const result = await loadProject({ cwd: root });
    expect(result).toMatchObject({ loaded: null, orders: [], files: [] });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["config.unknown-key"]);
  });
});
