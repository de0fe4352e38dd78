import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrderFileList } from "../../../src/manifests/discover.js";

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "orderform-discover-"));
  for (const file of [
    "orders/b.yaml",
    "orders/a.yml",
    "orders/Z.yaml",
    "orders/contoso/x.yaml",
    "orders/contoso/notes.md",
    "orders/.git/config.yaml",
    "orders/contoso/.draft.yaml",
    "other/one.yaml",
  ]) {
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), "name: x\n");
  }
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
