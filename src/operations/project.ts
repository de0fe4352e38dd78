/**
 * What operations share besides loading the project (load-project.ts): the state store the config
 * names, paths resolved the way the command line gave them, the parallelism to use.
 */
import { resolve } from "node:path";
import type { LoadedConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import { openConfiguredStateStore } from "../state/open-store.js";
import type { StateStore } from "../state/types.js";
import type { OperationContext, ProjectLocation } from "./context.js";

/** The state store the config names; its notices (e.g. a lock takeover) go out as events. */
export function openStateStore(
  loaded: LoadedConfig,
  ctx: Pick<OperationContext, "env" | "onEvent">,
): Promise<StateStore> {
  return openConfiguredStateStore(loaded, {
    env: ctx.env,
    notify: (text: string) => ctx.onEvent?.({ type: "state-notice", text }),
  });
}

/** A path given on the command line, relative to --chdir when given, else to the working directory. */
export function resolveFromLocation(location: ProjectLocation, file: string): string {
  const base = location.chdir === undefined ? location.cwd : resolve(location.cwd, location.chdir);
  return resolve(base, file);
}

/** The bounds of `parallelism` in schemas/config.schema.json, which `--parallelism` obeys too. */
export const MIN_PARALLELISM = 1;
export const MAX_PARALLELISM = 100;

/** `requested` (--parallelism) when given, else the config's; refused outside the config's bounds. */
export function selectParallelism(requested: number | undefined, loaded: LoadedConfig): number {
  const n = requested ?? loaded.config.parallelism;
  if (!Number.isInteger(n) || n < MIN_PARALLELISM || n > MAX_PARALLELISM) {
    throw new OrderformError(
      "cli.invalid-parallelism",
      `--parallelism must be an integer from ${MIN_PARALLELISM} to ${MAX_PARALLELISM}, got ${String(requested)}`,
      {
        hint: `the same bounds as parallelism in the config file`,
      },
    );
  }
  return n;
}
