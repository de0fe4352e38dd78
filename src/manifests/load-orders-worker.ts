/**
 * Worker entry for loadOrdersOnWorker (./order-files-worker.ts): reads and parses the order files
 * of `workerData` (an OrderFilesSource) and posts them in batches, then what the loop learned.
 * Everything posted is plain data: structured clone keeps it as loadOrders would return it.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { DesiredOrder } from "../core/model.js";
import type { Diagnostic } from "../core/errors.js";
import { readOrderFiles, type OrderFilesSource } from "./load-orders.js";
import type { OrderFilesWorkerMessage } from "./order-files-worker.js";

/** Orders per message: small enough that this thread keeps little, large enough that posting costs little. */
const BATCH_ORDERS = 500;

const post = (message: OrderFilesWorkerMessage): void => parentPort?.postMessage(message);
let orders: DesiredOrder[] = [];
let diagnostics: Diagnostic[] = [];
const flush = (): void => {
  if (orders.length === 0 && diagnostics.length === 0) return;
  post({ kind: "batch", batch: { orders, diagnostics } });
  orders = [];
  diagnostics = [];
};
const read = await readOrderFiles(workerData as OrderFilesSource, (batch) => {
  orders.push(...batch.orders);
  diagnostics.push(...batch.diagnostics);
  if (orders.length >= BATCH_ORDERS) flush();
});
flush();
post({ kind: "done", read });
