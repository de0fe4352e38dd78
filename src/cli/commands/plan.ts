import { OrderformError } from "../../core/errors.js";
import type { CliContext, CommandResult } from "../context.js";

// Placeholder until this command lands; replaced by its implementation.
export async function runPlan(_ctx: CliContext, ..._args: unknown[]): Promise<CommandResult> {
  throw new OrderformError("cli.not-implemented", "this command is not implemented yet");
}
