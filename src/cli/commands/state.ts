import { OrderformError } from "../../core/errors.js";
import type { CliContext, CommandResult } from "../context.js";

// Placeholders until the state commands land.
function fail(): never {
  throw new OrderformError("cli.not-implemented", "this command is not implemented yet");
}
export async function runStateList(_ctx: CliContext): Promise<CommandResult> { fail(); }
export async function runStateShow(_ctx: CliContext, _name: string): Promise<CommandResult> { fail(); }
export async function runStateHistory(_ctx: CliContext): Promise<CommandResult> { fail(); }
export async function runStateDiff(_ctx: CliContext, _a?: string, _b?: string): Promise<CommandResult> { fail(); }
export async function runStateRm(_ctx: CliContext, _name: string, _opts: unknown): Promise<CommandResult> { fail(); }
