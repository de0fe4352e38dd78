/**
 * The local backend's part of openConfiguredStateStore (./open-store.ts), in a module of its own
 * that loads nothing of the remote backends: plan's state worker (./read-state-worker.ts) starts
 * on a fresh thread, where loading the Azure and PostgreSQL clients would delay the first read.
 */
import { isAbsolute, resolve } from "node:path";
import type { LoadedConfig, LocalStateConfig } from "../config/types.js";
import { createLocalStateStore } from "./local-store.js";
import type { StateStore } from "./types.js";

export function openLocalStateStore(
  loaded: LoadedConfig,
  state: LocalStateConfig,
  options: { env: NodeJS.ProcessEnv; notify?: (text: string) => void },
): StateStore {
  const path = isAbsolute(state.path) ? state.path : resolve(loaded.rootDir, state.path);
  return createLocalStateStore({
    rootDir: loaded.rootDir,
    path,
    env: options.env,
    ...(options.notify === undefined ? {} : { notify: options.notify }),
  });
}
