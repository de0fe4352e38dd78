/**
 * What every operation is given (docs/architecture.md, "Layers"): where the project is, the
 * environment (for secrets named in the config), the tool version, a stop signal, and one sink for
 * what happens along the way. Operations never write to stdout or stderr: the CLI renders the
 * events and the result.
 */
import type { Diagnostic } from "../core/errors.js";
import type { Plan } from "../core/plan.js";

/** The project as the command line names it (`--config`, `--chdir`, the working directory). */
export interface ProjectLocation {
  cwd: string;
  configPath?: string;
  chdir?: string;
}

export type OperationEvent =
  /** Warnings of a project that loaded (errors end the operation with the same diagnostics). */
  | { type: "project-warnings"; diagnostics: Diagnostic[] }
  /** One more customer's order list was read (or failed) of `total` to read. */
  | { type: "list-progress"; done: number; total: number }
  /** The plan is made (before plan saves it, before apply asks for approval or acts on it). */
  | { type: "plan-ready"; plan: Plan }
  /** A note from the state store, e.g. that a lock left by an exited run was taken over. */
  | { type: "state-notice"; text: string };

export interface OperationContext {
  location: ProjectLocation;
  env: NodeJS.ProcessEnv;
  toolVersion: string;
  /** Aborted on the first SIGINT/SIGTERM: in-flight work finishes and nothing new starts. */
  signal: AbortSignal;
  onEvent?: (event: OperationEvent) => void;
}

/** A project that could not be used: its diagnostics (at least one error) say why. */
export interface InvalidProject {
  kind: "invalid";
  diagnostics: Diagnostic[];
}
