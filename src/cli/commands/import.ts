/**
 * `orderform import NAME ORDER_ID`: bind an existing Partner Center order to a declared order,
 * after checking that the order matches the declaration (prints the differences when not).
 */
import { createStateOrder } from "../../apply/applier.js";
import { OrderformError } from "../../core/errors.js";
import { DEFAULT_CLOCK_SKEW_MS } from "../../core/adoption.js";
import { createOrderBindings, mayIntentHavePlaced } from "../../core/duplicates.js";
import { selectOwnSlot } from "../../core/state-journal.js";
import { contentOf, diffContent, matchesRemote } from "../../core/compare.js";
import type { OrderContent, RemoteOrder } from "../../core/model.js";
import { openPartnerCenter } from "../open-partner-center.js";
import type { CliContext, CommandResult } from "../context.js";
import { loadProjectForCommand, openStateStore, parseLockTimeout } from "../project.js";

export async function runImport(
  ctx: CliContext,
  name: string,
  orderId: string,
  opts: Record<string, unknown>,
): Promise<CommandResult> {
  const project = await loadProjectForCommand(ctx);
  if (project === null) return 1;
  const declared = project.orders.find((o) => o.name === name);
  if (declared === undefined) {
    throw new OrderformError("import.not-declared", `no declared order named ${name}`, {
      hint: "`orderform validate` lists the order files; the name is the `name:` key.",
    });
  }
  const session = await openStateStore(project.loaded, ctx).open(`import ${name}`, {
    timeoutMs: parseLockTimeout(opts.lockTimeout),
    signal: ctx.signal,
  });
  try {
    const state = session.current();
    const existing = selectOwnSlot(state.orders, name);
    if (existing !== undefined) {
      throw new OrderformError(
        "import.already-managed",
        `${name} is already in state as order ${existing.orderId}`,
        {
          hint: `Run \`orderform state rm ${name}\` first to bind it to another order.`,
        },
      );
    }
    const intent = selectOwnSlot(state.pending, name);
    if (intent !== undefined) {
      throw new OrderformError(
        "import.pending",
        `${name} has a pending create (MS-RequestId ${intent.requestId}) whose outcome is unknown; importing would lose track of it`,
        {
          hint: "Run `orderform apply` first: it resumes the create with the same request id, or adopts the order it made.",
        },
      );
    }
    const bound = createOrderBindings(state).get(orderId.toLowerCase());
    if (bound !== undefined) {
      throw new OrderformError("import.order-bound", `order ${orderId} is already bound to ${bound}`);
    }
    const pc = await openPartnerCenter(project.loaded, ctx.env, ctx.version);
    let remote: RemoteOrder | null;
    try {
      remote = await pc.client.getOrder(declared.customer, orderId);
    } finally {
      await pc.close();
    }
    if (remote === null) {
      throw new OrderformError(
        "import.order-not-found",
        `customer ${declared.customer} has no order ${orderId}`,
      );
    }
    const content = contentOf(declared);
    if (!matchesRemote(content, remote)) {
      const differences = diffContent(createContentFromRemote(remote, content), content);
      ctx.stderr.write(`Order ${orderId} does not match the declaration of ${name}:\n`);
      for (const d of differences)
        ctx.stderr.write(
          `  ${d.path}: order has ${JSON.stringify(d.before)}, declaration has ${JSON.stringify(d.after)}\n`,
        );
      ctx.stderr.write(
        "Nothing was imported. Edit the declaration to describe the order, or import another order.\n",
      );
      return 1;
    }
    // A pending create of another name may have placed this very order: its re-sent request id
    // would then record it under that name too. Finish the pending creates first.
    const claimant = Object.values(state.pending).find(
      (intent) => intent.name !== name && mayIntentHavePlaced(intent, remote, DEFAULT_CLOCK_SKEW_MS),
    );
    if (claimant !== undefined) {
      throw new OrderformError(
        "import.pending-may-own",
        `order ${orderId} may have been placed by the pending create of ${claimant.name} (MS-RequestId ${claimant.requestId}, started ${claimant.startedAt})`,
        {
          hint: `Run \`orderform apply\` first: it finishes that create with its own request id and records the order it made; then import ${name} again if the order is still untracked.`,
        },
      );
    }
    await session.append({
      type: "created",
      order: createStateOrder(name, content, "", remote, "imported", new Date()),
    });
    await session.commit({
      command: `import ${name} ${orderId}`,
      summary: `imported order ${orderId} as ${name}`,
    });
    ctx.stdout.write(`Imported order ${orderId} as ${name}.\n`);
    return 0;
  } finally {
    await session.release();
  }
}

/** The remote order expressed as order content, so differences read in the declaration's terms. */
function createContentFromRemote(remote: RemoteOrder, declared: OrderContent): OrderContent {
  return {
    customer: remote.customer,
    billingCycle: remote.billingCycle as OrderContent["billingCycle"],
    ...(declared.partnerOnRecordAttestationAccepted === undefined
      ? {}
      : { partnerOnRecordAttestationAccepted: declared.partnerOnRecordAttestationAccepted }),
    lineItems: remote.lineItems.map((item) => ({
      lineItemNumber: item.lineItemNumber,
      offerId: item.offerId,
      quantity: item.quantity,
      ...(item.termDuration === undefined
        ? {}
        : { termDuration: item.termDuration as "P1M" | "P1Y" | "P3Y" }),
    })),
  };
}
