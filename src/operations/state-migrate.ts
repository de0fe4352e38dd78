/**
 * The state migrate operation: copies the current state and its whole history into the backend
 * that another config file names, keeping lineage and serials (docs/backends.md, "Switching a
 * project over"). The source is locked while it is read, so no apply changes it meanwhile, and is
 * left as it was; the target must be empty or hold an earlier copy of the same lineage.
 */
import { loadConfig } from "../config/load-config.js";
import type { StateConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import { createStateError } from "../state/errors.js";
import type { ImportedVersion } from "../state/types.js";
import type { InvalidProject, OperationContext } from "./context.js";
import { isInvalid, loadUsableConfig } from "./load-project.js";
import { openStateStore, resolveFromLocation } from "./project.js";

export interface StateMigrateOptions {
  /** The config file that names the target backend (`--to`), as given on the command line. */
  to: string;
  lockTimeoutMs: number;
}

export type StateMigrateResult =
  | InvalidProject
  | {
      kind: "migrated";
      /** Versions copied (0: the target already held this state up to its last serial). */
      copied: number;
      firstSerial: number;
      lastSerial: number;
      lineage: string;
      target: StateConfig;
      /** Set when taking the source's lock folded in a journal an earlier run left. */
      recoveredSerial?: number;
    };

export async function runStateMigrateOperation(
  ctx: OperationContext,
  options: StateMigrateOptions,
): Promise<StateMigrateResult> {
  const { to, lockTimeoutMs } = options;
  const source = await loadUsableConfig(ctx.location);
  if (isInvalid(source)) return source;
  const targetPath = resolveFromLocation(ctx.location, to);
  const base = resolveFromLocation(ctx.location, ".");
  const target = await loadConfig({ cwd: base, configPath: targetPath });
  if (target.loaded === null || target.diagnostics.some((d) => d.severity === "error")) {
    return { kind: "invalid", diagnostics: target.diagnostics };
  }
  const from = source.config.state;
  const into = target.loaded.config.state;
  if (JSON.stringify(from) === JSON.stringify(into) && target.loaded.rootDir === source.rootDir) {
    throw new OrderformError("state.migrate-same-store", `${to} names the same state as the current config`, {
      hint: "Name another backend, container, schema or state name in the target config.",
    });
  }
  const sourceStore = await openStateStore(source, ctx);
  const targetStore = await openStateStore(target.loaded, ctx);
  // Held while reading, so that no apply commits to the source between its history and snapshot.
  const before = (await sourceStore.read())?.serial ?? 0;
  const session = await sourceStore.open("state migrate", { timeoutMs: lockTimeoutMs, signal: ctx.signal });
  // Taking the lock folds in a journal an earlier run left (a "recover" version): say so.
  const recovered = session.current().serial > before ? session.current().serial : undefined;
  let versions: ImportedVersion[];
  let copied: number;
  try {
    const current = session.current();
    if (current.serial === 0) {
      throw createStateError(
        "state.migrate-no-state",
        "the current config's state holds nothing to migrate",
        {
          hint: "Run `orderform apply` first, or point --config at the project whose state you want to copy.",
        },
      );
    }
    const listing = await sourceStore.readHistoryListing();
    if (listing.damaged.length > 0) {
      throw createStateError(
        "state.corrupt",
        `history version(s) ${listing.damaged.map((d) => `${d.serial} (${d.file}: ${d.problem})`).join(", ")} cannot be read; nothing was copied`,
        { hint: "Restore them from a backup first: a migrated history must be whole." },
      );
    }
    versions = [];
    for (const meta of listing.entries)
      versions.push({ meta, state: await sourceStore.readVersion(meta.serial) });
    const last = versions.at(-1);
    if (last === undefined || last.meta.serial !== current.serial || last.state.lineage !== current.lineage) {
      throw createStateError(
        "state.corrupt",
        `history ends at serial ${last?.meta.serial ?? "none"}, but the state is at serial ${current.serial}; nothing was copied`,
        { hint: "Every committed version is in history; restore the missing version(s) before migrating." },
      );
    }
    copied = await targetStore.importVersions(versions, lockTimeoutMs);
  } finally {
    await session.release();
  }
  const lastSerial = versions.at(-1)?.meta.serial ?? 0;
  return {
    kind: "migrated",
    copied,
    firstSerial: copied === 0 ? lastSerial : lastSerial - copied + 1,
    lastSerial,
    lineage: versions[0]?.state.lineage ?? "",
    target: into,
    ...(recovered === undefined ? {} : { recoveredSerial: recovered }),
  };
}
