/**
 * Loading the project (config, then every order file) on a worker thread, started as the command
 * starts: `plan` spends its first ~0.15 s importing modules on one core while the other is idle,
 * so the worker reads and parses the order files meanwhile, and the main thread loads no config
 * or order-file code (docs/performance.md, "Where a plan's time goes"). A JavaScript config is the exception: it is run on the main
 * thread, as by every other command, and the project is then loaded there. Runs from the built
 * dist/ only (the worker is the compiled load-project-worker.js next to this file). This module
 * imports nothing heavy: it is loaded before the command's own modules.
 */
import { Worker } from "node:worker_threads";
import type { LoadedOrders } from "../manifests/load-orders.js";
import type { LoadConfigOptions, LoadConfigResult } from "./load-config.js";

export type ProjectWorkerMessage =
  { kind: "config"; config: LoadConfigResult } | { kind: "orders"; orders: LoadedOrders };

export interface ProjectWorker {
  /**
   * What loadConfig returns for the options the worker was started with, with runCode: false:
   * a JavaScript config comes back unloaded, in `codeConfig`, for the main thread to load.
   */
  readonly config: Promise<LoadConfigResult>;
  /** What loadOrders returns for that config; never settles when the config could not be loaded. */
  readonly orders: Promise<LoadedOrders>;
  /** Ends the worker if it still runs (a command that stopped early need not wait for it). */
  stop(): void;
}

export function startProjectWorker(options: LoadConfigOptions): ProjectWorker {
  const worker = new Worker(new URL("./load-project-worker.js", import.meta.url), {
    workerData: { cwd: options.cwd, configPath: options.configPath, chdir: options.chdir },
  });
  const config = createDeferred<LoadConfigResult>();
  const orders = createDeferred<LoadedOrders>();
  const rejectBoth = (error: unknown): void => {
    config.reject(error);
    orders.reject(error);
  };
  // A caller that stops early (a config error, a bad flag) awaits neither: no unhandled rejection.
  config.promise.catch(() => undefined);
  orders.promise.catch(() => undefined);
  let done = false;
  worker.on("message", (message: ProjectWorkerMessage) => {
    if (message.kind === "config") {
      config.resolve(message.config);
      if (message.config.loaded === null) done = true;
    } else {
      orders.resolve(message.orders);
      done = true;
    }
  });
  // A bug in the loaders rejects, as it would throw in loadConfig or loadOrders.
  worker.once("error", (error) => {
    done = true;
    rejectBoth(error);
  });
  worker.once("exit", (code) => {
    if (!done) rejectBoth(new Error(`bug: the project loading worker exited with code ${code} early`));
  });
  return {
    config: config.promise,
    orders: orders.promise,
    stop: () => {
      if (!done) {
        done = true;
        rejectBoth(new Error("the project loading worker was stopped"));
        // Fire and forget: both promises are already rejected, and terminating cannot fail in a way
        // anyone could act on.
        void worker.terminate();
      }
    },
  };
}

function createDeferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
