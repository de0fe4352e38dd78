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
      if (result.differences.some((d) => /^lineItems\[\d+\]\.quantity$/.test(d.path)))
        ctx.stderr.write(
          "A line item's quantity is compared with its subscription's seats now (seats changed since the order was placed count).\n",
        );
      ctx.stderr.write(
        "Nothing was imported. Edit the declaration to describe the order, or import another order.\n",
      );
      return 1;
    case "imported":
      if (ctx.global.json) {
        writeJsonResult(ctx, { ok: true, imported: { name, orderId }, observed: result.observed });
        return 0;
      }
      ctx.stdout.write(`Imported order ${orderId} as ${name}.\n`);
      for (const c of result.observed)
        ctx.stdout.write(
          `  lineItems[${c.lineItemNumber}]: seats changed outside orderform since the order was placed (${c.from} -> ${c.to}, subscription ${c.subscriptionId}); recorded as observed.\n`,
        );
      return 0;
    default: {
      const never: never = result;
      throw new Error(`unknown import result ${JSON.stringify(never)}`);
    }
  }
}
