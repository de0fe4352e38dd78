/**
 * Progress for apply: listr2 on a TTY (animated, the live view), plain lines when CI is set or
 * stdout is not a TTY (src/cli/apply-lines.ts; listr2 picks by TTY alone, so the choice is explicit
 * here), or one JSON object per line with --json. Every view is driven by the same ApplyEvent stream.
 */
import { Listr } from "listr2";
import type { ApplyEvent } from "../apply/events.js";
import type { ApplyProgress, ApplyWorkItem } from "../operations/apply.js";
import { renderCustomerLabel } from "../render/customer-label.js";
import { createLineReporter } from "./apply-lines.js";
import type { CliContext } from "./context.js";

export function createProgressReporter(ctx: CliContext, items: ApplyWorkItem[]): ApplyProgress {
  if (ctx.global.json) {
    return {
      onEvent: (event) =>
        ctx.stdout.write(JSON.stringify({ ...event, timestamp: new Date().toISOString() }) + "\n"),
      finish: async () => undefined,
    };
  }
  if (items.length === 0) return { onEvent: () => undefined, finish: async () => undefined };
  const plain =
    ctx.env.CI !== undefined && ctx.env.CI !== "" && ctx.env.CI !== "false"
      ? true
      : ctx.stdout.isTTY !== true;
  if (plain) return createLineReporter(ctx, items);

  interface Waiter {
    resolve: (outcome: { skipped?: string }) => void;
    reject: (error: Error) => void;
    output: (text: string) => void;
  }
  const waiters = new Map<string, Waiter>();
  const early = new Map<string, ApplyEvent[]>();

  const listr = new Listr(
    items.map((item) => ({
      title: `${selectVerb(item.mode)} ${item.name} (customer ${renderCustomerLabel(item.customer, item.companyName)})`,
      task: async (_: unknown, task: { output: string; title: string; skip: (message?: string) => void }) => {
        const outcome = await new Promise<{ skipped?: string }>((resolve, reject) => {
          waiters.set(item.name, { resolve, reject, output: (text) => (task.output = text) });
          for (const event of early.get(item.name) ?? []) deliver(event);
        });
        if (outcome.skipped !== undefined) task.skip(outcome.skipped);
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: "default",
      rendererOptions: { collapseErrors: false },
    },
  );
  const running = listr.run().catch(() => undefined);

  const settled = new Set<string>();
  // An update settles when each of its line items has an outcome; a failure of any fails it.
  const seatsLeft = new Map(items.map((item) => [item.name, item.updates ?? 0] as const));
  const seatFailures = new Map<string, string[]>();
  function settleSeat(name: string, failure?: string): boolean {
    if (failure !== undefined) seatFailures.set(name, [...(seatFailures.get(name) ?? []), failure]);
    const left = (seatsLeft.get(name) ?? 1) - 1;
    seatsLeft.set(name, left);
    if (left <= 0) settled.add(name);
    return left <= 0;
  }
  function deliver(event: ApplyEvent): void {
    if (event.type === "summary") return;
    if (event.type === "order_created" || event.type === "order_failed" || event.type === "order_skipped") {
      settled.add(event.name);
    }
    const waiter = waiters.get(event.name);
    if (waiter === undefined) {
      early.set(event.name, [...(early.get(event.name) ?? []), event]);
      return;
    }
    switch (event.type) {
      case "order_started":
        waiter.output(`MS-RequestId ${event.requestId}`);
        break;
      case "order_retrying":
        waiter.output(
          `retrying after ${event.reason} (attempt ${event.attempt}, waiting ${Math.round(event.delayMs)} ms)`,
        );
        break;
      case "order_created":
        waiter.resolve({});
        break;
      case "order_failed":
        waiter.reject(
          new Error(
            `${event.name}: ${event.message} [${event.code}]${event.pending ? " (outcome unknown: kept pending, the next apply resumes it)" : ""}`,
          ),
        );
        break;
      case "order_skipped":
        waiter.resolve({ skipped: event.reason });
        break;
      case "update_started":
        waiter.output(
          `lineItems[${event.lineItemNumber}] ${event.from} -> ${event.to} (subscription ${event.subscriptionId}, MS-RequestId ${event.requestId})`,
        );
        break;
      case "update_done":
      case "update_skipped":
      case "update_failed": {
        const failure =
          event.type === "update_failed"
            ? `${event.name} lineItems[${event.lineItemNumber}]: ${event.message} [${event.code}]${event.pending ? " (outcome unknown: kept pending, the next apply finishes it)" : ""}`
            : undefined;
        if (event.type === "update_skipped")
          waiter.output(`lineItems[${event.lineItemNumber}]: ${event.reason}`);
        if (!settleSeat(event.name, failure)) break;
        const failures = seatFailures.get(event.name);
        if (failures === undefined) waiter.resolve({});
        else waiter.reject(new Error(failures.join("\n")));
        break;
      }
      default: {
        const never: never = event;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  return {
    onEvent: deliver,
    finish: async () => {
      // An item that never got an outcome (the apply stopped early) must not keep listr waiting: a
      // promise that never settles would end the process with exit code 13 and no message.
      for (const item of items) {
        if (!settled.has(item.name)) {
          deliver({ type: "order_skipped", name: item.name, customer: item.customer, reason: "not started" });
        }
      }
      await running;
    },
  };
}

function selectVerb(mode: ApplyWorkItem["mode"]): string {
  switch (mode) {
    case "create":
      return "Placing";
    case "resume":
      return "Resuming";
    case "update":
      return "Changing seats of";
    default: {
      const never: never = mode;
      throw new Error(`unknown mode ${String(never)}`);
    }
  }
}
