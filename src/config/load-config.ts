/**
 * loadConfig: find the config with cosmiconfig (name "orderform", search strategy "project": from
 * the start directory up to the nearest package.json), parse YAML and JSON forms with positions,
 * validate them with schemas/config.schema.json, and merge them over the defaults.
 *
 * The start directory is `chdir` resolved against `cwd`. An explicit `configPath` is resolved
 * against the start directory too, since --chdir means "run as if started there".
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { cosmiconfig, defaultLoaders } from "cosmiconfig";
import type { CosmiconfigResult, Loader } from "cosmiconfig";
import { createDiagnostic, hasErrors } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";
import { loadSchemaValidator, prepareSchemaValidators } from "../source/json-schemas.js";
import { createSchemaDiagnostics } from "../source/schema-diagnostics.js";
import type { SourceDocument } from "../source/yaml-source.js";
import { checkConfigRules, configSchemaRules, mergeConfig } from "./config-rules.js";
import type { SchemaValidConfig } from "./config-rules.js";
import { createDefaultConfig } from "./defaults.js";
import type { LoadedConfig } from "./types.js";

export interface LoadConfigOptions {
  cwd: string;
  configPath?: string;
  chdir?: string;
}

export interface LoadConfigResult {
  /** Null when the config has errors (or --chdir / --config point nowhere). */
  loaded: LoadedConfig | null;
  diagnostics: Diagnostic[];
}

const CONFIG_SEARCH_PLACES = [
  "package.json",
  "orderform.config.yaml",
  "orderform.config.yml",
  "orderform.config.json",
  "orderform.config.js",
  "orderform.config.mjs",
  "orderform.config.cjs",
  ".orderformrc",
  ".orderformrc.yaml",
  ".orderformrc.yml",
  ".orderformrc.json",
  ".orderformrc.js",
  ".orderformrc.mjs",
  ".orderformrc.cjs",
];

interface ParsedConfigFile {
  doc: SourceDocument | undefined;
  diagnostics: Diagnostic[];
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadConfigResult> {
  const startDir = path.resolve(options.cwd, options.chdir ?? ".");
  if (options.chdir !== undefined && !(await isDirectory(startDir))) {
    return {
      loaded: null,
      diagnostics: [
        createDiagnostic("config.chdir-not-found", `--chdir directory "${options.chdir}" does not exist`),
      ],
    };
  }

  // YAML and JSON files go through `yaml` so diagnostics get positions; this call's own map keeps
  // each parse for the validation below (cosmiconfig only hands back plain values).
  const parsedFiles = new Map<string, ParsedConfigFile>();
  const loadWithPositions: Loader = async (filepath, content) => {
    const shown = toShownPath(startDir, filepath);
    // Loaded only when a config file exists: `yaml` is most of what a command without one would
    // load at start-up (docs/performance.md, start-up).
    const { parseYamlSource } = await import("../source/yaml-source.js");
    const parsed = parseYamlSource(content, shown, "config");
    const diagnostics = [...parsed.diagnostics];
    if (parsed.documents.length > 1) {
      diagnostics.push(
        createDiagnostic("config.multiple-documents", "the config file holds more than one YAML document", {
          file: shown,
          ...parsed.documents[1]!.start,
          hint: "remove the extra `---` documents",
        }),
      );
    }
    const doc = parsed.documents[0];
    parsedFiles.set(filepath, { doc, diagnostics });
    // A file that failed to parse still ends the search: it is the config the user meant.
    if (hasErrors(diagnostics)) return {};
    return (doc?.value ?? null) as Record<string, unknown> | null;
  };

  const explorer = cosmiconfig("orderform", {
    searchStrategy: "project",
    searchPlaces: CONFIG_SEARCH_PLACES,
    mergeSearchPlaces: false,
    cache: false,
    loaders: {
      ".yaml": loadWithPositions,
      ".yml": loadWithPositions,
      ".json": loadWithPositions,
      noExt: loadWithPositions,
      ".js": defaultLoaders[".js"],
      ".mjs": defaultLoaders[".mjs"],
      ".cjs": defaultLoaders[".cjs"],
    },
  });

  let result: CosmiconfigResult;
  try {
    result =
      options.configPath !== undefined
        ? await explorer.load(path.resolve(startDir, options.configPath))
        : await explorer.search(startDir);
  } catch (error) {
    return { loaded: null, diagnostics: [createLoadFailure(error, startDir, options.configPath)] };
  }

  const rootOf = (filepath: string | null): string =>
    options.chdir !== undefined || filepath === null ? startDir : path.dirname(filepath);

  if (result === null) {
    return { loaded: { config: createDefaultConfig(), filepath: null, rootDir: startDir }, diagnostics: [] };
  }
  const filepath = result.filepath;
  const shown = toShownPath(startDir, filepath);
  const parsed = parsedFiles.get(filepath);
  const diagnostics = [...(parsed?.diagnostics ?? [])];
  if (hasErrors(diagnostics)) return { loaded: null, diagnostics };
  if (result.isEmpty === true || result.config === undefined || result.config === null) {
    return { loaded: { config: createDefaultConfig(), filepath, rootDir: rootOf(filepath) }, diagnostics };
  }

  const doc = createConfigLocator(parsed?.doc, path.basename(filepath) === "package.json");
  await prepareSchemaValidators();
  const validate = loadSchemaValidator("config");
  const value: unknown = result.config;
  if (!validate(value)) {
    diagnostics.push(...createSchemaDiagnostics(validate.errors ?? [], doc, shown, configSchemaRules));
    return { loaded: null, diagnostics };
  }
  const valid = value as SchemaValidConfig;
  diagnostics.push(...checkConfigRules(valid, doc, shown));
  if (hasErrors(diagnostics)) return { loaded: null, diagnostics };
  return { loaded: { config: mergeConfig(valid), filepath, rootDir: rootOf(filepath) }, diagnostics };
}

/** Positions inside package.json live under its "orderform" key; JS configs have none. */
function createConfigLocator(doc: SourceDocument | undefined, inPackageJson: boolean): SourceDocument {
  if (doc === undefined) {
    const start = { line: 1, column: 1 };
    return {
      value: undefined,
      start,
      locate: () => ({ position: start, sourceLine: "" }),
      findNonDigitNumber: () => undefined,
    };
  }
  if (!inPackageJson) return doc;
  return {
    ...doc,
    locate: (p, at) => doc.locate(["orderform", ...p], at),
    findNonDigitNumber: (p) => doc.findNonDigitNumber(["orderform", ...p]),
  };
}

function createLoadFailure(error: unknown, startDir: string, configPath: string | undefined): Diagnostic {
  const code = (error as { code?: unknown }).code;
  if (configPath !== undefined && code === "ENOENT") {
    return createDiagnostic("config.not-found", `config file "${configPath}" does not exist`, {
      hint: "--config is resolved against the --chdir directory (or the current directory)",
    });
  }
  const filepath = (error as { filepath?: unknown }).filepath;
  const file = typeof filepath === "string" ? toShownPath(startDir, filepath) : configPath;
  const message = error instanceof Error ? error.message : String(error);
  return createDiagnostic("config.load-failed", `cannot load the config: ${message}`, { file });
}

function toShownPath(startDir: string, filepath: string): string {
  const rel = path.relative(startDir, filepath);
  return (rel === "" ? path.basename(filepath) : rel).split(path.sep).join("/");
}

async function isDirectory(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => null);
  return info?.isDirectory() === true;
}
