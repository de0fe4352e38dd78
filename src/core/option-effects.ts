/**
 * Warnings for options that change nothing in a plan (docs/planning.md): `--allow-duplicate NAME`
 * for a name the plan does not create, `--replace NAME` for a name that neither drifted nor
 * conflicts. Neither buys anything extra, but a reviewer should see that the flag did nothing.
 */
import { compareStrings } from "./compare.js";
import { createDiagnostic } from "./errors.js";
import type { Diagnostic } from "./errors.js";

export interface OptionEffectsInput {
  allowDuplicate: ReadonlySet<string>;
  replace: ReadonlySet<string>;
  /** The plan's creates. */
  creates: readonly { name: string }[];
  /** The names --replace turned into creates. */
  replaced: ReadonlySet<string>;
  /** True when the name is declared or known to state within the plan's scope. */
  isKnownName: (name: string) => boolean;
  /** True when a seat change of the name was started: --replace waits until it is finished. */
  hasStartedSeatChange: (name: string) => boolean;
  /** True when --customer narrowed the plan. */
  filtered: boolean;
}

export function checkIneffectiveOptions(input: OptionEffectsInput): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const name of [...input.allowDuplicate].sort(compareStrings)) {
    if (input.creates.some((c) => c.name === name)) continue;
    diagnostics.push(
      createDiagnostic(
        "plan.allow-duplicate-not-applicable",
        `--allow-duplicate ${name} has no effect: the plan creates no order of that name`,
        { severity: "warning", hint: "nothing extra is bought for it" },
      ),
    );
  }
  for (const name of [...input.replace].sort(compareStrings)) {
    if (input.replaced.has(name)) continue;
    diagnostics.push(
      createDiagnostic(
        "plan.replace-not-applicable",
        input.hasStartedSeatChange(name)
          ? `--replace ${name} waits: a seat change of its order was started and is finished first; plan again after this apply`
          : input.isKnownName(name)
            ? `--replace ${name} has no effect: it only applies to a declared order that drifted or conflicts`
            : `--replace ${name} names no order${input.filtered ? " of the selected customers" : ""}`,
        {
          severity: "warning",
          hint: "nothing extra is bought for it; check the name with `orderform state list`",
        },
      ),
    );
  }
  return diagnostics;
}
