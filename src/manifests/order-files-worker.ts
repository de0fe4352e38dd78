/**
 * loadOrders on a worker thread, for plan (docs/performance.md, "Plan cost"). Parsing YAML is
 * most of what a plan allocates (about 130 KB per order file, against a few hundred bytes kept),
 * and V8 lets a heap that allocates fast grow to several times what it keeps alive. On a worker,
 * that churn stays on the worker's own small heap, which ends with it, and the files load on the
 * second core while the main thread lists customers. The result is the same as loadOrders'.
 *
 * Runs from the built dist/ only: the worker is the compiled load-orders-worker.js next to the
 * module that starts it (scripts/bundle-cli.mjs places it beside the CLI's chunks).
 */
import { Worker } from "node:worker_threads";
import {
  createOrderCollector,
  type LoadedOrders,
  type OrderBatch,
  type OrderFilesRead,
  type OrderFilesSource,
} from "./load-orders.js";

export type OrderFilesWorkerMessage =
  { kind: "batch"; batch: OrderBatch } | { kind: "done"; read: OrderFilesRead };

export interface OrderFilesLoad {
  /** What loadOrders returns for the same source. */
  readonly result: Promise<LoadedOrders>;
  /** Ends the worker if it still runs (a plan that stopped early need not wait for it). */
  stop(): void;
}

export function loadOrdersOnWorker(source: OrderFilesSource): OrderFilesLoad {
  const worker = new Worker(new URL("./load-orders-worker.js", import.meta.url), {
    workerData: { rootDir: source.rootDir, config: { orders: source.config.orders } },
  });
  const collector = createOrderCollector();
  let done = false;
  let rejectResult: (error: Error) => void = () => undefined;
  const result = new Promise<LoadedOrders>((resolve, reject) => {
    rejectResult = reject;
    worker.on("message", (message: OrderFilesWorkerMessage) => {
      if (message.kind === "batch") {
        collector.collect(message.batch);
        return;
      }
      done = true;
      resolve(collector.finish(message.read));
    });
    // A bug in the loader rejects, as it would throw in loadOrders.
    worker.once("error", (error) => {
      done = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!done) reject(new Error(`bug: the order files worker exited with code ${code} before it was done`));
      done = true;
    });
  });
  // A caller that stops early awaits nothing: no unhandled rejection.
  result.catch(() => undefined);
  return {
    result,
    stop: () => {
      if (done) return;
      done = true;
      rejectResult(new Error("the order files worker was stopped"));
      // Fire and forget: terminating cannot fail in a way anyone could act on.
      void worker.terminate();
    },
  };
}
