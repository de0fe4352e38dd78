/** loadProject: the config and every order file, as each command starts (validate, plan, apply...). */
import type { Diagnostic } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import { loadOrders } from "../manifests/load-orders.js";
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

export async function loadProject(options: LoadConfigOptions): Promise<LoadedProject> {
  const config = await loadConfig(options);
  if (config.loaded === null) return { loaded: null, orders: [], diagnostics: config.diagnostics, files: [] };
  const orders = await loadOrders(config.loaded);
  return {
    loaded: config.loaded,
    orders: orders.orders,
    diagnostics: [...config.diagnostics, ...orders.diagnostics],
    files: orders.files,
  };
}
