import type { Writable } from "node:stream";

/** Options every command accepts (README, "Commands"). */
export interface GlobalOptions {
  config?: string;
  chdir?: string;
  color: boolean; // false with --no-color, NO_COLOR, or no TTY on stdout
  json: boolean;
}

/** What a command gets from the entry point; commands never call process.exit. */
export interface CliContext {
  global: GlobalOptions;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
  /** Aborted on the first SIGINT/SIGTERM; commands finish in-flight work and stop. */
  signal: AbortSignal;
}

/** A command resolves to its exit code: 0 ok, 1 error, 2 plan --detailed-exitcode with changes. */
export type CommandResult = number;
