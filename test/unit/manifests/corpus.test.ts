import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDefaultConfig } from "../../../src/config/defaults.js";
import { loadOrders } from "../../../src/manifests/load-orders.js";

// Each invalid fixture holds one defect; its first line says the diagnostic it must produce:
// "# expect: <code> <line>:<column>". The file name says which defect it is.
const ROOT = path.resolve(import.meta.dirname, "../../..");
const DIR = "test/fixtures/orders-invalid";
const files = readdirSync(path.join(ROOT, DIR))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function readExpectation(file: string): { code: string; line: number; column: number } {
  const first = readFileSync(path.join(ROOT, DIR, file), "utf8").split("\n")[0] ?? "";
  const match = /^# expect: (\S+) (\d+):(\d+)$/.exec(first);
  if (match === null) throw new Error(`${file}: first line must be "# expect: <code> <line>:<col>"`);
  return { code: match[1]!, line: Number(match[2]), column: Number(match[3]) };
}

describe("invalid order corpus", () => {
  it("has at least 40 files, each with a distinct defect", () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)("%s gives exactly its expected diagnostic", async (file) => {
    const expected = readExpectation(file);
    const config = { ...createDefaultConfig(), orders: `${DIR}/${file}` };
    const result = await loadOrders({ config, rootDir: ROOT });
    expect(
      result.diagnostics.map((d) => ({ code: d.code, line: d.line, column: d.column, file: d.file })),
    ).toEqual([{ ...expected, file: `${DIR}/${file}` }]);
    const [diagnostic] = result.diagnostics;
    expect(diagnostic?.severity).toBe("error");
    expect(diagnostic?.message.length).toBeGreaterThan(10);
    // The offending line is shown under the diagnostic; it is the line the position points at.
    const lines = readFileSync(path.join(ROOT, DIR, file), "utf8").split("\n");
    expect(diagnostic?.sourceLine).toBe(lines[expected.line - 1]);
  });

  it("every order.* diagnostic except generic type errors carries a hint", async () => {
    const config = { ...createDefaultConfig(), orders: DIR };
    const result = await loadOrders({ config, rootDir: ROOT });
    const unhinted = result.diagnostics.filter(
      (d) => d.code.startsWith("order.") && d.hint === undefined && d.code !== "order.invalid-type",
    );
    expect(unhinted.map((d) => `${d.file} ${d.code}`)).toEqual([]);
    // Loading the whole directory reports each file's defect once and nothing else.
    expect(result.diagnostics).toHaveLength(files.length);
  });
});
