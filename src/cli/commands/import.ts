/**
 * `orderform import NAME ORDER_ID`: run the import operation (src/operations/import.ts); print the
 * differences when the order does not match the declaration.
 */
import { createDiagnostic } from "../../core/errors.js";
import { runImportOperation } from "../../operations/import.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure, writeJsonResult } from "../options.js";

export async function runImport(
  ctx: CliContext,
  name: string,
  orderId: string,
  flags: { lockTimeout?: string },
): Promise<CommandResult> {
  const lockTimeoutMs = parseLockTimeout(flags.lockTimeout);
  const result = await runImportOperation(createOperationContext(ctx), { name, orderId, lockTimeoutMs });
  switch (result.kind) {
    case "invalid":
      writeFailure(ctx, result.diagnostics);
      return 1;
    case "mismatch":
      if (ctx.global.json) {
        writeJsonResult(ctx, {
          ok: false,
          errors: 1,
          warnings: 0,
          diagnostics: [
            createDiagnostic(
              "import.mismatch",
              `order ${orderId} does not match the declaration of ${name}; nothing was imported`,
            ),
          ],
          differences: result.differences,
        });
        return 1;
      }
      ctx.stderr.write(`Order ${orderId} does not match the declaration of ${name}:\n`);
      for (const d of result.differences)
        ctx.stderr.write(
          `  ${d.path}: order has ${JSON.stringify(d.before)}, declaration has ${JSON.stringify(d.after)}\n`,
        );
      ctx.stderr.write(
        "Nothing was imported. Edit the declaration to describe the order, or import another order.\n",
      );
      return 1;
    case "imported":
      if (ctx.global.json) writeJsonResult(ctx, { ok: true, imported: { name, orderId } });
      else ctx.stdout.write(`Imported order ${orderId} as ${name}.\n`);
      return 0;
    default: {
      const never: never = result;
      throw new Error(`unknown import result ${JSON.stringify(never)}`);
    }
  }
}
