/**
 * `orderform generate`: run the generate operation (src/operations/generate.ts) and print what it
 * wrote (or, with --dry-run, would write), what it skipped and why, and what to run next.
 */
import { OrderformError } from "../../core/errors.js";
import { runGenerateOperation, type GenerateSummary } from "../../operations/generate.js";
import { renderCustomerLabel } from "../../render/customer-label.js";
import type { CliContext, CommandResult } from "../context.js";
import { createOperationContext, parseLockTimeout, writeFailure, writeJsonResult } from "../options.js";

export interface GenerateCommandFlags {
  customer: string[];
  outDir?: string;
  dryRun?: boolean;
  parallelism?: number;
  lockTimeout?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function runGenerate(ctx: CliContext, flags: GenerateCommandFlags): Promise<CommandResult> {
  const lockTimeoutMs = parseLockTimeout(flags.lockTimeout);
  const invalid = flags.customer.find((c) => !GUID.test(c));
  if (invalid !== undefined)
    throw new OrderformError(
      "cli.invalid-customer",
      `--customer ${JSON.stringify(invalid)} is not a tenant id (GUID)`,
      {
        hint: "pass the customer's Microsoft Entra tenant id, e.g. b0d70a69-4c42-4b27-b17b-91a835d8686a",
      },
    );
  const result = await runGenerateOperation(createOperationContext(ctx), {
    customers: flags.customer,
    ...(flags.outDir === undefined ? {} : { outDir: flags.outDir }),
    dryRun: flags.dryRun === true,
    lockTimeoutMs,
    ...(flags.parallelism === undefined ? {} : { parallelism: flags.parallelism }),
  });
  if ("diagnostics" in result) {
    writeFailure(ctx, result.diagnostics);
    return 1;
  }
  if (ctx.global.json) writeJsonResult(ctx, { ...result });
  else ctx.stdout.write(renderGenerateText(result));
  return 0;
}

function renderGenerateText(summary: GenerateSummary): string {
  const lines: string[] = [];
  const dry = summary.kind === "dry-run";
  const written = summary.files.filter((f) => !f.adopted).length;
  const adopted = summary.files.length - written;
  lines.push(
    `Read ${summary.orders} order(s) of ${summary.customers} customer(s): ${summary.files.length} untracked, ` +
      `${summary.tracked} already in state, ${summary.cancelled} cancelled (skipped), ${summary.declared.length} declared but not in state (skipped), ${summary.unsupported.length} not declarable (skipped).`,
  );
  for (const f of summary.files)
    lines.push(
      `  ${f.adopted ? "=" : "+"} ${f.file}  ${f.name}  (order ${f.orderId}, customer ${renderCustomerLabel(f.customer, f.companyName)}${f.seatsChanged === 0 ? "" : `; seats changed since it was placed on ${f.seatsChanged} line item(s), declared as they are now`})`,
    );
  for (const d of summary.declared)
    lines.push(
      `  ! order ${d.orderId} of customer ${d.customer} matches ${d.name}, declared but not in state; if it is that declaration's order: orderform import ${d.name} ${d.orderId}`,
    );
  for (const l of summary.leftover)
    lines.push(
      `  ! ${l.file} was written by an earlier generate for order ${l.orderId}, which this run does not declare (cancelled, or accounted for otherwise), and is not in state: remove it, or plan will buy it`,
    );
  for (const u of summary.unsupported)
    lines.push(
      `  ! order ${u.orderId} of customer ${u.customer}: ${u.reason}; declare it by hand and run orderform import`,
    );
  if (summary.outsideOrders)
    lines.push(
      `Warning: ${summary.outDir} is outside the config's orders folder: validate and plan will not read these files.`,
    );
  if (dry) {
    lines.push(
      `Would write ${written} file(s) under ${summary.outDir}${adopted > 0 ? ` and adopt ${adopted} already there` : ""}. Nothing was written (--dry-run).`,
    );
  } else if (summary.files.length === 0) {
    lines.push(
      summary.declared.length + summary.leftover.length + summary.unsupported.length === 0
        ? "Nothing to generate: every order is declared and in state."
        : "Nothing to generate. Nothing was written or recorded.",
    );
  } else {
    lines.push(
      `Wrote ${written} file(s) under ${summary.outDir}${adopted > 0 ? `, adopted ${adopted} already there` : ""}, and recorded ${summary.files.length} order(s) in state as imported (history: generate). Nothing was bought.`,
    );
    lines.push(
      "Next: orderform validate && orderform plan --detailed-exitcode (both clean), then commit the files and the state.",
    );
  }
  return lines.join("\n") + "\n";
}
