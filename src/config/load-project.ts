/** loadProject: the config and every order file, as each command starts (validate, plan, apply...). */
import type { Diagnostic } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import type { LoadConfigOptions, LoadConfigResult } from "./load-config.js";
import type { ProjectWorker } from "./project-worker.js";
import type { LoadedConfig } from "./types.js";

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

export interface LoadProjectHooks {
  /**
   * A worker already loading this project (startProjectWorker with the same options): its config
   * and orders are used, and this thread loads neither the config nor the order files.
   */
  worker?: ProjectWorker;
  /** Called once the config is valid, before the order files load: a caller may start I/O. */
  onConfig?: (loaded: LoadedConfig) => void;
}

export async function loadProject(
  options: LoadConfigOptions,
  hooks: LoadProjectHooks = {},
): Promise<LoadedProject> {
  // Imported here, not above: with a worker, this thread never needs the config or order loaders.
  const loadHere = (): Promise<LoadConfigResult> =>
    import("./load-config.js").then(({ loadConfig }) => loadConfig(options));
  let worker = hooks.worker;
  let config = await (worker?.config ?? loadHere());
  if (config.codeConfig !== undefined) {
    // The worker found a JavaScript config and left it alone: run it here, and load the project
    // here as every other command does (the worker loads nothing more).
    worker = undefined;
    config = await loadHere();
  }
  if (config.loaded === null) return { loaded: null, orders: [], diagnostics: config.diagnostics, files: [] };
  const loaded = config.loaded;
  hooks.onConfig?.(loaded);
  const orders = await (worker?.orders ??
    import("../manifests/load-orders.js").then(({ loadOrders }) => loadOrders(loaded)));
  return {
    loaded: config.loaded,
    orders: orders.orders,
    diagnostics: [...config.diagnostics, ...orders.diagnostics],
    files: orders.files,
  };
}
