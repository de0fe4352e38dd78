#!/usr/bin/env node
/**
 * The entry point: the only place that prints fatal errors and sets the exit code. Command
 * modules are imported lazily so that `--version` and `validate` start fast (docs/performance.md).
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { OrderformError } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";
import type { CliContext, GlobalOptions } from "./context.js";
import { createProgram } from "./program.js";
import type { Runner } from "./program.js";
import { normalizeTerraformArgs } from "./argv.js";
import { renderDiagnosticsJson } from "../render/diagnostics.js";

const VERSION = readVersion();

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

const interrupt = new AbortController();
let interrupts = 0;
function onSignal(signal: NodeJS.Signals): void {
  interrupts += 1;
  if (interrupts === 1) {
    process.stderr.write(
      `\nReceived ${signal}: finishing the orders in flight and recording them; press Ctrl-C again to exit at once.\n`,
    );
    interrupt.abort(new OrderformError("cli.interrupted", `interrupted by ${signal}`));
  } else {
    // The intent journal keeps state correct: pending intents are resumed by the next run.
    process.stderr.write("\nExiting at once; pending intents will be resumed by the next apply.\n");
    process.exit(130);
  }
}

function createContext(program: Command): CliContext {
  const opts = program.opts<{ config?: string; chdir?: string; color?: boolean; json?: boolean }>();
  const noColorEnv = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  const global: GlobalOptions = {
    config: opts.config,
    chdir: opts.chdir,
    color: opts.color !== false && !noColorEnv && process.stdout.isTTY === true,
    json: opts.json === true,
  };
  return {
    global,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    version: VERSION,
    signal: interrupt.signal,
  };
}

/**
 * Prints an error that stopped the command: `Error: MESSAGE  [CODE]` and its hint on stderr. With
 * `--json` (the command's or the global flag, as parsed) it is also one JSON document on stdout, on
 * one line (the shape `validate --json` prints), so that a script reading stdout gets JSON whether
 * the command worked or not, and a stream of JSON lines (`apply --json`) ends well; the exit code
 * is the same.
 */
function printFatal(error: unknown, json: boolean): void {
  if (error instanceof OrderformError) {
    if (json) {
      const self: Diagnostic = {
        severity: "error",
        code: error.code,
        message: error.message,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      };
      writeJsonFailure([self, ...error.diagnostics]);
    }
    process.stderr.write(`Error: ${error.message}${error.code ? `  [${error.code}]` : ""}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    return;
  }
  // Anything else is a bug in orderform: show the stack so it can be reported.
  process.stderr.write(
    `orderform: internal error (please report this)\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}

/** Whether the words ask for JSON (`--json`, or Terraform's `-json`) before any `--`. */
function selectJsonFromArgs(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((word) => word === "--json" || word === "-json");
}

/** A command line commander refused, as printFatal's JSON document. */
function printUsageJson(error: unknown): void {
  const message = (error instanceof Error ? error.message : String(error)).replace(/^error: /, "");
  const usage: Diagnostic = {
    severity: "error",
    code: "cli.usage",
    message,
    hint: "`orderform help COMMAND` lists the command's arguments and options",
  };
  writeJsonFailure([usage]);
}

/** A fatal error's JSON document: one line on stdout, the shape every `--json` failure has. */
function writeJsonFailure(diagnostics: Diagnostic[]): void {
  process.stdout.write(renderDiagnosticsJson(diagnostics, {}, { compact: true }));
}

async function main(): Promise<void> {
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // `orderform apply --json | head -1`: a reader that goes away is not an error worth a stack
  // trace, nor a reason to stop. The output is dropped and the command runs to its end, so an
  // apply still records its orders, commits and releases the lock instead of dying mid-run.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
      throw error;
    });
  }
  let program: Command | undefined = undefined;
  const run = async (runner: Runner): Promise<void> => {
    if (program === undefined) throw new Error("program not created");
    const code = await runner(createContext(program));
    process.exitCode = code;
  };
  program = createProgram(run, VERSION);
  // The format of a fatal error follows the parsed `--json` of the command that runs; an error
  // found before parsing (a word commander or the Terraform spellings refuse) follows the words.
  const args = process.argv.slice(2);
  let json = selectJsonFromArgs(args);
  program.hook("preAction", (root, action) => {
    json = root.opts<{ json?: boolean }>().json === true || action.opts<{ json?: boolean }>().json === true;
  });
  try {
    await program.parseAsync(normalizeTerraformArgs(args, program), { from: "user" });
  } catch (error) {
    const commanderCode = (error as { code?: string }).code;
    if (typeof commanderCode === "string" && commanderCode.startsWith("commander.")) {
      const ok =
        commanderCode === "commander.helpDisplayed" ||
        commanderCode === "commander.version" ||
        commanderCode === "commander.help";
      // Commander has printed its message on stderr; with --json, stdout gets the JSON of it.
      if (!ok && json) printUsageJson(error);
      process.exitCode = ok ? 0 : 1;
      return;
    }
    printFatal(error, json);
    process.exitCode = 1;
  }
}

await main();
