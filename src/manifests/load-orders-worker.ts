/**
 * Worker entry for loadOrdersInWorker: loads the order files of the LoadedConfig in workerData
 * and posts the LoadedOrders back. Everything in LoadedOrders is plain data (structured clone
 * keeps it, key order included), so the caller sees exactly what loadOrders returns.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LoadedConfig } from "../config/types.js";
import { loadOrders } from "./load-orders.js";

const result = await loadOrders(workerData as LoadedConfig);
parentPort?.postMessage(result);
