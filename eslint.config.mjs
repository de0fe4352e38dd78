import js from "@eslint/js";
import tseslint from "typescript-eslint";

const NO_ENUMS = { selector: "TSEnumDeclaration", message: "Use string-literal unions, not enums." };

/**
 * The layers of src/, bottom first: each top-level folder may import (statically or with import())
 * only from the folders listed for it, so no import cycle between folders can form. `cli` is the top
 * and may import any of them; nothing imports `cli`, and `operations` imports neither `cli` nor
 * `render` (docs/architecture.md, "Layers"). Type-only imports count too, except where `typesFrom` allows them.
 */
const LAYERS = {
  core: [],
  generated: [],
  sandbox: ["core"],
  source: ["core", "generated"],
  manifests: ["core", "generated", "source"],
  config: ["core", "generated", "source"],
  "partner-center": ["core", "generated", "config"],
  state: ["core", "generated", "config", "partner-center"],
  apply: ["core", "partner-center", "state"],
  render: ["core", "state"],
  // The operations (plan, apply, import, state...): the engine the CLI drives (docs/architecture.md).
  // The sandbox only as the emulator `endpoint: sandbox` starts in-process (open-partner-center.ts).
  operations: ["core", "generated", "manifests", "config", "partner-center", "state", "apply", "sandbox"],
};
const FOLDERS = [...Object.keys(LAYERS), "cli"];

/** Matches a relative specifier that leaves the file's folder for one of `folders` under src/. */
const leavingFor = (folders) => `^(\\.\\./)+(${folders.join("|")})/`;

/** no-restricted-imports and no-restricted-syntax options that keep `folder` to its layer. */
function layerRules(folder, { allowed = [], typesFrom = [] } = {}) {
  const below = [...LAYERS[folder], ...allowed];
  const forbidden = FOLDERS.filter((f) => f !== folder && !below.includes(f));
  const types =
    typesFrom.length === 0 ? "" : `, and types only from ${typesFrom.map((f) => `src/${f}`).join(", ")}`;
  const message = `src/${folder} imports only ${below.map((f) => `src/${f}`).join(", ")}${types} (see LAYERS in eslint.config.mjs).`;
  const patterns = [{ regex: leavingFor(forbidden.filter((f) => !typesFrom.includes(f))), message }];
  if (typesFrom.length > 0) patterns.push({ regex: leavingFor(typesFrom), message, allowTypeImports: true });
  return {
    "@typescript-eslint/no-restricted-imports": ["error", { patterns }],
    "no-restricted-syntax": [
      "error",
      NO_ENUMS,
      // esquery's regular expressions cannot hold a "/": \x2F stands for it.
      {
        selector: `ImportExpression[source.value=/${leavingFor(forbidden).replaceAll("/", "\\x2F")}/]`,
        message,
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".orderform/", "test/fixtures/", "src/generated/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": ["error", NO_ENUMS],
    },
  },
  {
    // Type-aware rules for the TypeScript sources (everything tsconfig.json includes): the ones that
    // catch real bugs, chiefly promises nobody awaits and values that print as "[object Object]".
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      "@typescript-eslint/no-base-to-string": "error",
      "@typescript-eslint/restrict-template-expressions": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/no-implied-eval": "error",
      "@typescript-eslint/no-array-delete": "error",
    },
  },
  ...Object.keys(LAYERS)
    .filter((folder) => folder !== "core" && folder !== "generated")
    .map((folder) => ({
      files: [`src/${folder}/**/*.ts`],
      rules: layerRules(folder),
    })),
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!\\./|\\.\\./generated/[a-z-]+-types\\.js$)",
              message:
                "src/core is pure: it imports only src/core (no node:*, no packages, no other folder).",
            },
            {
              // The types generated from the schemas (docs/schemas.md): declarations only, no code.
              regex: "^\\.\\./generated/",
              allowTypeImports: true,
              message: "src/core imports only types from src/generated/*-types.ts.",
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        NO_ENUMS,
        { selector: "ImportExpression", message: "src/core is pure and loads nothing." },
      ],
      "no-restricted-globals": ["error", "Date", "process", "setTimeout", "fetch"],
      "no-restricted-properties": ["error", { object: "Math", property: "random" }],
    },
  },
  {
    files: ["**/*.mjs", "test/**/*.ts"],
    languageOptions: {
      globals: Object.fromEntries(
        [
          "process",
          "console",
          "setTimeout",
          "clearTimeout",
          "setInterval",
          "clearInterval",
          "setImmediate",
          "URL",
          "URLSearchParams",
          "fetch",
          "performance",
          "Buffer",
          "AbortController",
          "AbortSignal",
          "TextEncoder",
          "TextDecoder",
          "structuredClone",
          "queueMicrotask",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
);
