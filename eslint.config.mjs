import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".orderform/", "test/fixtures/", "src/generated/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "Use string-literal unions, not enums." },
      ],
    },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            "node:*",
            "undici",
            "yaml",
            "fs",
            "path",
            "crypto",
            "../manifests/*",
            "../state/*",
            "../partner-center/*",
            "../cli/*",
            "../sandbox/*",
          ],
        },
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
