/** loadProject: the config and every order file, as each command starts (validate, plan, apply...). */
import type { Diagnostic } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import { loadOrders, loadOrdersInWorker } from "../manifests/load-orders.js";
import { loadConfig } from "./load-config.js";
import type { LoadConfigOptions } from "./load-config.js";
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
  /** Parse the order files on a worker thread (built CLI only), leaving this thread free for I/O. */
  inWorker?: boolean;
  /** Called once the config is valid, before the order files load: a caller may start I/O. */
  onConfig?: (loaded: LoadedConfig) => void;
}

export async function loadProject(
  options: LoadConfigOptions,
  hooks: LoadProjectHooks = {},
): Promise<LoadedProject> {
  const config = await loadConfig(options);
  if (config.loaded === null) return { loaded: null, orders: [], diagnostics: config.diagnostics, files: [] };
  const pending = hooks.inWorker === true ? loadOrdersInWorker(config.loaded) : null;
  hooks.onConfig?.(config.loaded);
  const orders = await (pending ?? loadOrders(config.loaded));
  return {
    loaded: config.loaded,
    orders: orders.orders,
    diagnostics: [...config.diagnostics, ...orders.diagnostics],
    files: orders.files,
  };
}
