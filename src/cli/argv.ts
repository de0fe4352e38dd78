/**
 * Terraform's spellings, before commander reads the arguments: Terraform writes its long options
 * with one dash (`-detailed-exitcode`, `-out=FILE`, `-auto-approve`, `-json`), and a platform team's
 * scripts carry that habit over. A one-dash word that names a long option orderform knows (on any
 * command: commander then checks that this command takes it) is rewritten to the two-dash form; a
 * one-dash word that names none is an error here, so that `-jsn` is not read as `-j -s -n`.
 * One-letter short options (`-h`, `-v`) and everything after `--` are left alone, as are values of
 * options that take one (`--customer -x` passes `-x` on).
 */
import type { Command } from "commander";
import { OrderformError } from "../core/errors.js";
import { suggestNearest } from "../core/suggest.js";

interface KnownOption {
  /** true: the option takes a value in the next word unless written `--name=value`. */
  takesValue: boolean;
}

/** Rewrites `args` (the words after `node main.js`); throws cli.unknown-option for an unknown one-dash word. */
export function normalizeTerraformArgs(args: readonly string[], program: Command): string[] {
  const known = collectLongOptions(program);
  const out: string[] = [];
  let valueNext = false;
  let rest = false;
  for (const word of args) {
    if (rest || valueNext) {
      out.push(word);
      valueNext = false;
      continue;
    }
    if (word === "--") {
      rest = true;
      out.push(word);
      continue;
    }
    const long = /^--([a-z][a-z0-9-]*)(=.*)?$/.exec(word);
    if (long !== null) {
      valueNext = long[2] === undefined && known.get(long[1] ?? "")?.takesValue === true;
      out.push(word);
      continue;
    }
    const single = /^-([a-z][a-z0-9-]+)(=.*)?$/i.exec(word);
    if (single === null) {
      out.push(word);
      continue;
    }
    const name = single[1] ?? "";
    const option = known.get(name);
    if (option === undefined) {
      const suggestion = suggestNearest(name, [...known.keys()]);
      throw new OrderformError("cli.unknown-option", `unknown option ${word}`, {
        hint:
          suggestion === undefined
            ? "`orderform --help` and `orderform COMMAND --help` list the options."
            : `did you mean --${suggestion}?`,
      });
    }
    valueNext = single[2] === undefined && option.takesValue;
    out.push(`--${name}${single[2] ?? ""}`);
  }
  return out;
}

/** Every long option of the program and its commands, by name without dashes (`no-color`, `json`). */
function collectLongOptions(program: Command): Map<string, KnownOption> {
  const known = new Map<string, KnownOption>([["help", { takesValue: false }]]);
  const visit = (command: Command): void => {
    for (const option of command.options) {
      if (option.long === undefined) continue;
      const name = option.long.replace(/^--/, "");
      const takesValue = option.required || option.optional;
      // Two commands may spell the same flag differently only in whether it takes a value; a
      // value-taking one wins, so its value is never read as a flag.
      known.set(name, { takesValue: takesValue || known.get(name)?.takesValue === true });
    }
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
  return known;
}
