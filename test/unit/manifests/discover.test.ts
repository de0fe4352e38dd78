import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrderFileList } from "../../../src/manifests/discover.js";

let root: string;

/** A new temporary directory holding `files` (each "name: x"). */
function createTree(prefix: string, files: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const file of files) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), "name: x\n");
  }
  return dir;
}

beforeAll(() => {
  root = createTree("orderform-discover-", [
    "orders/b.yaml",
    "orders/a.yml",
    "orders/Z.yaml",
    "orders/contoso/x.yaml",
    "orders/contoso/notes.md",
    "orders/.git/config.yaml",
    "orders/contoso/.draft.yaml",
    "other/one.yaml",
  ]);
  mkdirSync(path.join(root, "empty"));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("loadOrderFileList", () => {
  it.each([
    ["orders", ["orders/Z.yaml", "orders/a.yml", "orders/b.yaml", "orders/contoso/x.yaml"]],
    ["orders/", ["orders/Z.yaml", "orders/a.yml", "orders/b.yaml", "orders/contoso/x.yaml"]],
    ["orders/contoso/x.yaml", ["orders/contoso/x.yaml"]],
    ["orders/*.yaml", ["orders/Z.yaml", "orders/b.yaml"]],
    ["orders/**/*.{yaml,yml}", ["orders/Z.yaml", "orders/a.yml", "orders/b.yaml", "orders/contoso/x.yaml"]],
    ["*/one.yaml", ["other/one.yaml"]],
  ])("%j finds the order files in code-unit order, skipping hidden entries", async (pattern, files) => {
    const result = await loadOrderFileList(root, pattern);
    expect(result).toEqual({ files, diagnostics: [] });
  });

  it.each([
    ["missing", "config.orders-not-found", "error"],
    ["missing/**/*.yaml", "config.orders-not-found", "error"],
    ["empty", "config.no-order-files", "warning"],
    ["orders/*.json", "config.no-order-files", "warning"],
  ])("%j gives %s", async (pattern, code, severity) => {
    const result = await loadOrderFileList(root, pattern);
    expect(result.files).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([[code, severity]]);
  });
});

describe("the walk of an orders directory", () => {
  let tree: string;
  const deep = Array.from({ length: 40 }, (_, i) => `d${i}`).join("/");

  beforeAll(() => {
    tree = createTree("orderform-walk-", [
      "orders/a.yaml",
      "orders/a-b.yaml",
      "orders/a/b.yaml",
      "orders/B.YML",
      "orders/contoso/.cache/old.yaml",
      "orders/contoso/x/.git/objects/y.yaml",
      "orders/contoso/x/z.yaml",
      `orders/${deep}/leaf.yaml`,
      "outside/far.yaml",
    ]);
    // Links are neither followed nor listed: to a directory, to a file, to an ancestor (a loop
    // if followed), and a dangling one.
    symlinkSync(path.join(tree, "outside"), path.join(tree, "orders/linked"), "dir");
    symlinkSync(path.join(tree, "orders/a.yaml"), path.join(tree, "orders/alias.yaml"), "file");
    symlinkSync(path.join(tree, "orders"), path.join(tree, "orders/contoso/loop"), "dir");
    symlinkSync(path.join(tree, "missing.yaml"), path.join(tree, "orders/dangling.yaml"), "file");
    // The configured path itself may be a link: it is followed (only what lies under it is not).
    symlinkSync(path.join(tree, "orders/contoso"), path.join(tree, "contoso-link"), "dir");
  });

  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  const listed = [
    "orders/B.YML",
    "orders/a-b.yaml",
    "orders/a.yaml",
    "orders/a/b.yaml",
    "orders/contoso/x/z.yaml",
    `orders/${deep}/leaf.yaml`,
  ];

  it.each([
    ["orders", listed],
    ["orders/**/*.{yaml,YML}", listed],
    ["orders/*/*.yaml", ["orders/a/b.yaml"]],
    ["contoso-link", ["contoso-link/x/z.yaml"]],
  ])(
    "%j: files at any depth in code-unit order, no hidden entry at any depth, no link under it",
    async (pattern, files) => {
      expect(await loadOrderFileList(tree, pattern)).toEqual({ files, diagnostics: [] });
    },
  );

  it("a glob whose fixed part is a file finds no directory to walk", async () => {
    const result = await loadOrderFileList(tree, "orders/a.yaml/*.yaml");
    expect(result.files).toEqual([]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["config.orders-not-found"]);
  });
});

describe("a directory under orders that cannot be read", () => {
  let tree: string;
  // Even root cannot list a directory whose path is longer than the system allows (ENAMETOOLONG):
  // made with relative steps, which the kernel accepts, below a readable sibling.
  const step = "d".repeat(200);
  const depth = 25;

  beforeAll(() => {
    tree = createTree("orderform-unreadable-", ["orders/a.yaml", "orders/deep/b.yaml"]);
    // A shell's `cd` keeps the whole path and stops at the limit; Node's process.chdir does not.
    const script = `const fs = require("node:fs");
      for (let i = 0; i < ${depth}; i += 1) { fs.mkdirSync("${step}"); process.chdir("${step}"); }`;
    execFileSync(process.execPath, ["-e", script], { cwd: path.join(tree, "orders/deep") });
  });

  // rmSync walks by full paths and cannot remove what is deeper than the system's limit.
  afterAll(() => execFileSync("rm", ["-rf", tree]));

  it.each(["orders", "orders/**/*.yaml"])(
    "%j lists what it can read and reports the directory it cannot as an error",
    async (pattern) => {
      const result = await loadOrderFileList(tree, pattern);
      expect(result.files).toEqual(["orders/a.yaml", "orders/deep/b.yaml"]);
      expect(result.diagnostics).toHaveLength(1);
      const [d] = result.diagnostics;
      expect(d).toMatchObject({
        code: "order.unreadable",
        severity: "error",
        message: "cannot read the directory: ENAMETOOLONG",
      });
      expect(d?.file).toMatch(new RegExp(`^orders/deep(/${step})+$`));
    },
  );
});
