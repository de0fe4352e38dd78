import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script without type declarations
import { GROUPS, generateGroup, readGeneratedFile } from "../../../scripts/generate-validators.mjs";
// @ts-expect-error: a plain .mjs build script without type declarations
import { TYPE_FILES, generateTypes } from "../../../scripts/generate-types.mjs";
import * as manifest from "../../../src/generated/manifest-validators.js";
import * as state from "../../../src/generated/state-validators.js";
import * as wire from "../../../src/generated/wire-validators.js";
import * as plan from "../../../src/generated/plan-validators.js";

interface Group {
  file: string;
  exports: Record<string, string>;
}

describe("ahead-of-time compiled validators (src/generated)", () => {
  it.each((GROUPS as Group[]).map((g) => [g.file, g]))(
    "%s is what scripts/generate-validators.mjs makes of the schemas now (run npm run generate)",
    (_file, group) => {
      expect(readGeneratedFile(group)).toBe(generateGroup(group));
    },
  );

  it.each((TYPE_FILES as { file: string }[]).map((t) => [t.file, t]))(
    "%s is what json-schema-to-typescript makes of the schemas now (run npm run generate)",
    async (_file, entry) => {
      expect(readGeneratedFile(entry)).toBe(await generateTypes(entry));
    },
  );

  it("exports one validator per schema entry point, and they reject what the schemas reject", () => {
    const modules: Record<string, Record<string, unknown>> = {
      "src/generated/manifest-validators.ts": manifest,
      "src/generated/state-validators.ts": state,
      "src/generated/wire-validators.ts": wire,
      "src/generated/plan-validators.ts": plan,
    };
    for (const group of GROUPS as Group[]) {
      for (const name of Object.keys(group.exports)) {
        const validate = modules[group.file]?.[name] as ((v: unknown) => boolean) & { errors?: unknown };
        expect(typeof validate).toBe("function");
        expect(validate(42)).toBe(false);
        expect(Array.isArray(validate.errors)).toBe(true);
      }
    }
    expect(
      state.state({ version: 1, lineage: "not-a-uuid", serial: 0, orders: {}, pending: {}, failures: {} }),
    ).toBe(false);
    expect(
      state.state({
        version: 1,
        lineage: "6c1e5c1e-9f6a-4b43-8a3e-2d4a1f9b7c10",
        serial: 0,
        orders: {},
        pending: {},
        failures: {},
      }),
    ).toBe(true);
  });
});
