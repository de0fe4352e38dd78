/**
 * Worker entry for readStateOnWorker (./state-worker.ts): reads the state the config in
 * `workerData` names, as StateStore.read() does, and posts it in pieces: everything but the
 * orders, then the orders a thousand at a time, then "done". A failure is posted as its code,
 * message and hint, which is all a user sees of it.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LoadedConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import type { StateOrder } from "../core/model.js";
import { openLocalStateStore } from "./open-local-store.js";
import type { StateWorkerMessage } from "./state-worker.js";

/** Records per message: about a megabyte, which the reading thread lets go of as it goes. */
const BATCH_RECORDS = 1000;

const post = (message: StateWorkerMessage): void => parentPort?.postMessage(message);

try {
  const loaded = workerData as LoadedConfig;
  const options = { env: process.env, notify: (text: string) => post({ kind: "notice", text }) };
  // The remote backends' clients are loaded only when the config names one (./open-local-store.ts).
  const store =
    loaded.config.state.backend === "local"
      ? openLocalStateStore(loaded, loaded.config.state, options)
      : await (await import("./open-store.js")).openConfiguredStateStore(loaded, options);
  const state = await store.read();
  if (state === null) post({ kind: "head", head: null });
  else {
    const { orders } = state;
    // Replacing the empty `orders` keeps its place: the key order is read()'s (./state-worker.ts).
    post({ kind: "head", head: { ...state, orders: {} } });
    let batch: StateOrder[] = [];
    for (const name in orders) {
      batch.push(orders[name] as StateOrder);
      if (batch.length >= BATCH_RECORDS) {
        post({ kind: "orders", orders: batch });
        batch = [];
      }
    }
    post({ kind: "orders", orders: batch });
  }
  post({ kind: "done" });
} catch (error) {
  post({
    kind: "failed",
    ...(error instanceof OrderformError
      ? {
          code: error.code,
          message: error.message,
          diagnostics: error.diagnostics,
          ...(error.hint === undefined ? {} : { hint: error.hint }),
        }
      : { message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  });
}
