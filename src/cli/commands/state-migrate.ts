/**
 * `orderform state migrate --to FILE`: copies the current state and its whole history into the
 * backend that the config FILE names, keeping lineage and serials (docs/backends.md, "Switching a
 * project over"). The source is locked while it is read, so no apply changes it meanwhile, and is
 * left as it was; the target must be empty or hold an earlier copy of the same lineage.
 */
import { isAbsolute, resolve } from "node:path";
import { OrderformError } from "../../core/errors.js";
import { createStateError } from "../../state/errors.js";
import type { ImportedVersion } from "../../state/types.js";
import type { CliContext, CommandResult } from "../context.js";
import { loadConfigForCommand, openStateStore, parseLockTimeout, writeDiagnostics } from "../project.js";

export async function runStateMigrate(
  ctx: CliContext,
  opts: Record<string, unknown>,
): Promise<CommandResult> {
  const to = typeof opts.to === "string" ? opts.to : "";
  if (to === "") {
    throw new OrderformError(
      "cli.missing-option",
      "state migrate needs --to FILE, the config that names the target backend",
    );
  }
  const source = await loadConfigForCommand(ctx);
  if (source === null) return 1;
  const { loadConfig } = await import("../../config/load-config.js");
  const base = ctx.global.chdir === undefined ? ctx.cwd : resolve(ctx.cwd, ctx.global.chdir);
  const targetPath = isAbsolute(to) ? to : resolve(base, to);
  const target = await loadConfig({ cwd: base, configPath: targetPath });
  if (target.loaded === null || target.diagnostics.some((d) => d.severity === "error")) {
    writeDiagnostics(ctx, target.diagnostics);
    return 1;
  }
  const from = source.config.state;
  const into = target.loaded.config.state;
  if (JSON.stringify(from) === JSON.stringify(into) && target.loaded.rootDir === source.rootDir) {
    throw new OrderformError("state.migrate-same-store", `${to} names the same state as the current config`, {
      hint: "Name another backend, container, schema or state name in the target config.",
    });
  }
  const lockTimeoutMs = parseLockTimeout(opts.lockTimeout);
  const sourceStore = openStateStore(source, ctx);
  const targetStore = openStateStore(target.loaded, ctx);
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
  const first = copied === 0 ? lastSerial : lastSerial - copied + 1;
  const what =
    copied === 0
      ? `Copied no state version: the ${into.backend} backend named in ${to} already holds this state at serial ${lastSerial} (lineage ${versions[0]?.state.lineage ?? ""}).`
      : `Copied ${copied} state version(s) (serials ${first}-${lastSerial}, lineage ${versions[0]?.state.lineage ?? ""}) to the ${into.backend} backend named in ${to}.`;
  ctx.stdout.write(
    `${what} ${
      recovered === undefined
        ? "The current state was left as it was."
        : `The current state was left as it was, except that taking its lock folded in the journal an earlier run had left (state version ${recovered}).`
    }\n` +
      `To switch the project over, replace the state section of its config with the one in ${to}, then run \`orderform plan\`: it should show no changes.\n`,
  );
  return 0;
}
