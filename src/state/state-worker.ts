/**
 * StateStore.read() on a worker thread, for plan (docs/performance.md, "Plan cost"). Parsing a
 * state of 100,000 orders holds its text (about 100 MB) and a first copy of every string at once,
 * and V8 sizes the heap from what is live when it collects: on the main thread that burst set a
 * limit the rest of the plan then filled with garbage. On a worker the burst stays on the
 * worker's heap, which ends with it, and the state arrives in pieces of a thousand records, each
 * let go of young once its strings are shared (src/core/intern.ts). The result is what read()
 * returns, key order included.
 *
 * Runs from the built dist/ only: the worker is the compiled read-state-worker.js next to the
 * module that starts it (scripts/bundle-cli.mjs places it beside the CLI's chunks).
 */
import { Worker } from "node:worker_threads";
import type { LoadedConfig } from "../config/types.js";
import type { ErrorCode } from "../core/error-codes.js";
import { OrderformError, type Diagnostic } from "../core/errors.js";
import { createStringPool, internStrings, REPEATED_KEYS } from "../core/intern.js";
import type { StateFile, StateOrder } from "../core/model.js";

export type StateWorkerMessage =
  | { kind: "notice"; text: string }
  // The state with `orders` empty but in its place among the keys; the records follow.
  | { kind: "head"; head: StateFile | null }
  | { kind: "orders"; orders: StateOrder[] }
  | { kind: "done" }
  | { kind: "failed"; code?: ErrorCode; message: string; hint?: string; diagnostics?: Diagnostic[] };

export function readStateOnWorker(
  loaded: LoadedConfig,
  options: {
    env: NodeJS.ProcessEnv;
    notify?: (text: string) => void;
    /** Ends the read (and the worker) when it aborts: a backend that never answers does not keep the process alive. */
    signal?: AbortSignal;
  },
): Promise<StateFile | null> {
  const worker = new Worker(new URL("./read-state-worker.js", import.meta.url), {
    workerData: loaded,
    env: options.env,
  });
  return new Promise<StateFile | null>((resolve, reject) => {
    let head: StateFile | null = null;
    const orders: Record<string, StateOrder> = {};
    // Structured clone gives every string its own copy again: one copy each.
    const pool = createStringPool();
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      finish();
    };
    worker.on("message", (message: StateWorkerMessage) => {
      switch (message.kind) {
        case "notice":
          options.notify?.(message.text);
          break;
        case "head":
          head = message.head;
          break;
        case "orders":
          for (const record of message.orders)
            orders[record.name] = internStrings(record, pool, REPEATED_KEYS);
          break;
        case "done":
          settle(() => resolve(head === null ? null : { ...head, orders }));
          break;
        case "failed":
          settle(() =>
            reject(
              message.code === undefined
                ? new Error(`bug in the state reading worker: ${message.message}`)
                : new OrderformError(message.code, message.message, {
                    ...(message.hint === undefined ? {} : { hint: message.hint }),
                    ...(message.diagnostics === undefined ? {} : { diagnostics: message.diagnostics }),
                  }),
            ),
          );
          break;
        default: {
          const never: never = message;
          throw new Error(`unknown state worker message ${JSON.stringify(never)}`);
        }
      }
    });
    worker.once("error", (error) => settle(() => reject(error)));
    options.signal?.addEventListener(
      "abort",
      () =>
        settle(() => {
          const reason: unknown = options.signal?.reason;
          reject(reason instanceof Error ? reason : new Error(String(reason)));
          void worker.terminate();
        }),
      { once: true },
    );
    worker.once("exit", (code) =>
      settle(() => reject(new Error(`bug: the state reading worker exited with code ${code} early`))),
    );
  });
}
