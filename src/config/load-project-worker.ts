/**
 * Worker entry for startProjectWorker: loads the config (LoadConfigOptions in workerData), posts
 * it, then loads the order files and posts them. Everything posted is plain data (structured
 * clone keeps it, key order included), so the caller sees exactly what loadConfig and loadOrders
 * return.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadConfig } from "./load-config.js";
import type { LoadConfigOptions } from "./load-config.js";
import type { ProjectWorkerMessage } from "./project-worker.js";

const post = (message: ProjectWorkerMessage): void => parentPort?.postMessage(message);

// A JavaScript config is left to the main thread (see LoadConfigOptions.runCode).
const config = await loadConfig({ ...(workerData as LoadConfigOptions), runCode: false });
post({ kind: "config", config });
// As loadProject: the order files load whenever the config could be loaded, even with warnings.
// The loaders are imported after the config is posted: the caller waits for the config first.
if (config.loaded !== null) {
  const { loadOrders } = await import("../manifests/load-orders.js");
  post({ kind: "orders", orders: await loadOrders(config.loaded) });
}
