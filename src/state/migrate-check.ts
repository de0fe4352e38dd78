/**
 * `state migrate` into a store that already holds the same lineage: only an earlier copy of the
 * source may receive the newer versions. A target that moved on by itself (a runner already
 * switched over bought or changed something there) holds records the source does not have;
 * writing the source's versions over it would drop them.
 */
import { isDeepStrictEqual } from "node:util";
import type { StateFile } from "../core/model.js";
import { createStateError } from "./errors.js";
import type { ImportedVersion } from "./types.js";

export function checkEarlierCopy(
  where: string,
  existing: StateFile,
  versions: readonly ImportedVersion[],
): void {
  const same = versions.find((v) => v.meta.serial === existing.serial);
  if (same !== undefined && isDeepStrictEqual(same.state, existing)) return;
  const last = versions.at(-1)?.meta.serial ?? 0;
  const why =
    same === undefined
      ? `it is at serial ${existing.serial}, beyond the source's serial ${last}`
      : `its serial ${existing.serial} differs from the source's version ${existing.serial}`;
  throw createStateError(
    "state.migrate-diverged",
    `${where} holds the same state lineage, but not an earlier copy of this state: ${why}. It was changed there since it was copied; nothing was copied.`,
    {
      hint: "Both places hold records the other lacks. Compare them (`orderform state diff`, `state history` with each config) and keep working in one; never copy one over the other.",
    },
  );
}
