import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "../../../src/core/error-codes.js";
import { OrderformError } from "../../../src/core/errors.js";
import { createStateError } from "../../../src/state/errors.js";

// The registry is the one list of codes; the README and docs/ describe them to users. These tests
// keep the three in step: the docs name only registered codes, every code a user can see has its
// line in the README, and every registered code is emitted somewhere in src/.
const ROOT = path.resolve(import.meta.dirname, "../../..");
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const AREAS = new Set(CODES.map((code) => code.slice(0, code.indexOf("."))));

const configSchema = JSON.parse(readFileSync(path.join(ROOT, "schemas/config.schema.json"), "utf8")) as {
  properties: Record<string, { properties?: Record<string, unknown> }>;
};

/** Backticked `area.name` in the docs that are not codes: config keys, file names, and these two. */
const NOT_CODES = new Set([
  "state.json", // the blob holding an azblob snapshot (docs/backends.md)
  "yaml.parse", // the yaml library's function, the validate benchmark's reference (docs/performance.md)
]);

function isConfigKey(token: string): boolean {
  const [section = "", key = ""] = token.split(".");
  return configSchema.properties[section]?.properties?.[key] !== undefined;
}

/** Every backticked `area.name` of a registered area in a Markdown file, config keys left out. */
function readNamedCodes(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const tokens = [...text.matchAll(/`([a-z-]+)\.([a-z][a-z0-9-]*)`/g)]
    .filter((match) => AREAS.has(match[1]!))
    .map((match) => `${match[1]}.${match[2]}`);
  return [...new Set(tokens)].filter(
    (token) => !NOT_CODES.has(token) && !isConfigKey(token) && !/\.(ts|mjs|js|json|md)$/.test(token),
  );
}

function listSourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSourceFiles(relative);
    return entry.name.endsWith(".ts") ? [relative] : [];
  });
}

const DOCS = [
  "README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

describe("the error code registry", () => {
  it("groups codes by area, each with a one-line meaning", () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code, code).toMatch(/^[a-z][a-z-]*\.[a-z][a-z0-9-]*$/);
      expect(entry.meaning, code).toMatch(/^\S[^\n]*$/);
    }
  });

  it.each(DOCS)("%s names only registered codes", (file) => {
    expect(readNamedCodes(file).filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  it("the README documents every code a user can see", () => {
    const documented = new Set(readNamedCodes("README.md"));
    expect(documented.has("yaml.syntax"), "the pattern finds the README's codes").toBe(true);
    const shown = CODES.filter((code) => !("internal" in ERROR_CODES[code]));
    expect(shown.filter((code) => !documented.has(code))).toEqual([]);
  });

  it("every code is emitted somewhere in src/ (or marked reserved, with the reason)", () => {
    const registry = path.join("src", "core", "error-codes.ts");
    const sources = listSourceFiles("src")
      .filter((file) => file !== registry)
      .map((file) => readFileSync(path.join(ROOT, file), "utf8"))
      .join("\n");
    const unused = CODES.filter(
      (code) => !("reserved" in ERROR_CODES[code]) && !sources.includes(`"${code}"`),
    );
    expect(unused).toEqual([]);
  });

  it("takes no code that is not registered (checked by npm run typecheck)", () => {
    // @ts-expect-error: "order.no-such-code" is not in the registry.
    expect(new OrderformError("order.no-such-code", "m").code).toBe("order.no-such-code");
    // @ts-expect-error: "state.not-found" is a command's code, not one of the state layer's.
    expect(createStateError("state.not-found", "m").code).toBe("state.not-found");
  });
});
