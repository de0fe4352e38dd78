/**
 * Loading the project (config, then every order file) as each operation starts. User problems come
 * back as diagnostics; only bugs throw. Kept apart from the state store's modules: validate loads
 * this and nothing of state (docs/performance.md, start-up benchmark).
 */
import { loadConfig, type LoadConfigResult } from "../config/load-config.js";
import type { LoadedConfig } from "../config/types.js";
import type { Diagnostic } from "../core/errors.js";
import { hasErrors } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import { loadOrders, type LoadedOrders } from "../manifests/load-orders.js";
import type { InvalidProject, OperationContext, ProjectLocation } from "./context.js";

export interface LoadedProject {
  /** Null when the config has errors; orders are then not loaded. */
  loaded: LoadedConfig | null;
  /** Valid orders sorted by customer then name; callers must still refuse to act on errors. */
  orders: DesiredOrder[];
  /** Config diagnostics first, then order file diagnostics in file order. */
  diagnostics: Diagnostic[];
  /** Order files found, root-relative. */
  files: string[];
}

/** A project with no errors: what plan, apply and import work on. */
export interface Project {
  loaded: LoadedConfig;
  orders: DesiredOrder[];
  diagnostics: Diagnostic[];
}

/** The config and every order file (validate shows all of it, errors included). */
export async function loadProject(location: ProjectLocation): Promise<LoadedProject> {
  return loadProjectOrders(await loadConfig(location));
}

/** The order files of a config already loaded (none when it could not be loaded). */
async function loadProjectOrders(
  config: LoadConfigResult,
  load: (source: LoadedConfig) => Promise<LoadedOrders> = loadOrders,
): Promise<LoadedProject> {
  if (config.loaded === null) return { loaded: null, orders: [], diagnostics: config.diagnostics, files: [] };
  // The order files load whenever the config could be loaded, even with warnings.
  const orders = await load(config.loaded);
  return {
    loaded: config.loaded,
    orders: orders.orders,
    diagnostics: [...config.diagnostics, ...orders.diagnostics],
    files: orders.files,
  };
}

/** The project, or its diagnostics when it has errors; its warnings go out as an event. */
export async function loadUsableProject(ctx: OperationContext): Promise<Project | InvalidProject> {
  return loadUsableOrders(ctx, await loadConfig(ctx.location));
}

/**
 * loadUsableProject for a config already loaded: plan reads state and starts listing before the
 * order files load (./plan.ts). The result is the same: config diagnostics, then the files'.
 */
export async function loadUsableOrders(
  ctx: Pick<OperationContext, "onEvent">,
  config: LoadConfigResult,
  /** How the order files load: loadOrders by default; plan loads them on a worker. */
  load?: (source: LoadedConfig) => Promise<LoadedOrders>,
): Promise<Project | InvalidProject> {
  const result = await loadProjectOrders(config, load);
  if (result.loaded === null || hasErrors(result.diagnostics)) {
    return { kind: "invalid", diagnostics: result.diagnostics };
  }
  if (result.diagnostics.length > 0) {
    ctx.onEvent?.({ type: "project-warnings", diagnostics: result.diagnostics });
  }
  return { loaded: result.loaded, orders: result.orders, diagnostics: result.diagnostics };
}

/** Config only (state commands, force-unlock, show): the order files are not read. */
export async function loadUsableConfig(location: ProjectLocation): Promise<LoadedConfig | InvalidProject> {
  const result = await loadConfig(location);
  if (result.loaded === null || hasErrors(result.diagnostics)) {
    return { kind: "invalid", diagnostics: result.diagnostics };
  }
  return result.loaded;
}

export function isInvalid<T extends object>(value: T | InvalidProject): value is InvalidProject {
  return "kind" in value && value.kind === "invalid";
}
