// Bundles the CLI after tsc (docs/performance.md, "Design choices made for speed"): dist/cli/main.js
// becomes one ES module with the packages start-up needs inside it, and every command module and
// shared piece a chunk under dist/chunks/ that main.js imports when the command runs. tsc still
// writes the per-module dist/ files that the tests and benchmarks run; the CLI uses none of them.
//
// Chunks sit two folders deep, as src/ files do, so the paths resolved from import.meta.url
// (../../package.json, ../../src/sandbox/catalog.json) lead to the same files from a chunk.
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = new URL("../", import.meta.url);
const DIST = new URL("dist/", ROOT);

// Loaded by `--version` and `validate` (argument parsing, config search, YAML): bundled, which
// saves resolving and reading some ninety files of theirs at every start. Other packages stay in
// node_modules, loaded only by the commands that use them; typescript is cosmiconfig's optional
// loader for TypeScript config files and never installed with orderform.
const BUNDLED = ["commander", "cosmiconfig", "yaml"];
const EXTERNAL = ["undici", "pg", "@azure/*", "ajv", "ajv-formats", "listr2", "diff", "typescript", "jose"];

// A new dependency must be placed in one of the two lists.
const { dependencies } = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8"));
const unplaced = Object.keys(dependencies).filter(
  (name) =>
    !BUNDLED.includes(name) &&
    !EXTERNAL.some((e) => e === name || (e.endsWith("/*") && name.startsWith(e.slice(0, -1)))),
);
if (unplaced.length > 0)
  throw new Error(`scripts/bundle-cli.mjs: bundle or keep external: ${unplaced.join(", ")}`);

rmSync(new URL("chunks/", DIST), { recursive: true, force: true });
await build({
  absWorkingDir: fileURLToPath(ROOT),
  // Plan's workers (src/manifests/order-files-worker.ts, src/state/state-worker.ts) are started
  // by URL from a chunk, so each is an entry of its own beside the chunks.
  entryPoints: {
    "cli/main": "src/cli/main.ts",
    "chunks/load-orders-worker": "src/manifests/load-orders-worker.ts",
    "chunks/read-state-worker": "src/state/read-state-worker.ts",
  },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // Less to parse at start-up; names are kept for stack traces, and `node --enable-source-maps`
  // maps positions back to src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  sourcesContent: false,
  external: EXTERNAL,
  // The bundled CommonJS packages require Node's built-in modules; esbuild leaves those calls to a
  // `require` of the module, which an ES module lacks, so each output file gets one.
  banner: {
    js: 'import { createRequire as createRequireForBundle } from "node:module"; const require = createRequireForBundle(import.meta.url);',
  },
  logLevel: "warning",
});
