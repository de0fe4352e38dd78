/**
 * What commands share: load the project (config + orders), open the state store, and build the
 * Partner Center client. Each helper returns diagnostics for user problems; only bugs throw.
 */
import { resolve } from "node:path";
import type { LoadedConfig } from "../config/types.js";
import { loadProject } from "../config/load-project.js";
import type { LoadProjectHooks } from "../config/load-project.js";
import { parseDuration } from "../config/duration.js";
import type { Diagnostic } from "../core/errors.js";
import { OrderformError, hasErrors } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import { renderDiagnostics, renderDiagnosticsJson } from "../render/diagnostics.js";
import { openConfiguredStateStore } from "../state/open-store.js";
import type { StateStore } from "../state/types.js";
import type { CliContext } from "./context.js";

export interface Project {
  loaded: LoadedConfig;
  orders: DesiredOrder[];
  diagnostics: Diagnostic[];
}

/** Loads config and orders; prints diagnostics; returns null when there are errors. */
export async function loadProjectForCommand(
  ctx: CliContext,
  hooks: LoadProjectHooks = {},
): Promise<Project | null> {
  const result = await loadProject(
    { cwd: ctx.cwd, configPath: ctx.global.config, chdir: ctx.global.chdir },
    hooks,
  );
  if (result.loaded === null || hasErrors(result.diagnostics)) {
    writeDiagnostics(ctx, result.diagnostics);
    return null;
  }
  if (result.diagnostics.length > 0) writeDiagnostics(ctx, result.diagnostics);
  return { loaded: result.loaded, orders: result.orders, diagnostics: result.diagnostics };
}

/** Config only (commands that do not need the order files: state, force-unlock, show). */
export async function loadConfigForCommand(ctx: CliContext): Promise<LoadedConfig | null> {
  // Imported here: plan loads its config on a worker and must not pay for this code (docs/performance.md).
  const { loadConfig } = await import("../config/load-config.js");
  const result = await loadConfig({ cwd: ctx.cwd, configPath: ctx.global.config, chdir: ctx.global.chdir });
  if (result.loaded === null || hasErrors(result.diagnostics)) {
    writeDiagnostics(ctx, result.diagnostics);
    return null;
  }
  return result.loaded;
}

export function writeDiagnostics(ctx: CliContext, diagnostics: Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  if (ctx.global.json) ctx.stderr.write(renderDiagnosticsJson(diagnostics) + "\n");
  else ctx.stderr.write(renderDiagnostics(diagnostics, { color: ctx.global.color }));
}

/** The state store the config names; with ctx, its notices (e.g. a lock takeover) go to ctx.stderr. */
export function openStateStore(loaded: LoadedConfig, ctx?: CliContext): StateStore {
  return openConfiguredStateStore(loaded, {
    env: ctx?.env ?? process.env,
    ...(ctx === undefined ? {} : { notify: (text: string) => void ctx.stderr.write(text) }),
  });
}

export function parseLockTimeout(value: unknown): number {
  const text = typeof value === "string" ? value : "0s";
  const ms = parseDuration(text);
  if (ms === null) {
    throw new OrderformError("cli.invalid-duration", `--lock-timeout: not a duration: ${text}`, {
      hint: "Use a number with a unit, e.g. 500ms, 30s, 2m, 1h.",
    });
  }
  return ms;
}

/** The bounds of `parallelism` in schemas/config.schema.json, which `--parallelism` obeys too. */
export const MIN_PARALLELISM = 1;
export const MAX_PARALLELISM = 100;

export function parseParallelism(value: unknown, loaded: LoadedConfig): number {
  const n = typeof value === "number" ? value : loaded.config.parallelism;
  if (!Number.isInteger(n) || n < MIN_PARALLELISM || n > MAX_PARALLELISM) {
    throw new OrderformError(
      "cli.invalid-parallelism",
      `--parallelism must be an integer from ${MIN_PARALLELISM} to ${MAX_PARALLELISM}, got ${String(value)}`,
      {
        hint: `the same bounds as parallelism in the config file`,
      },
    );
  }
  return n;
}

export function readStringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function resolveFromCwd(ctx: CliContext, file: string): string {
  const base = ctx.global.chdir === undefined ? ctx.cwd : resolve(ctx.cwd, ctx.global.chdir);
  return resolve(base, file);
}
