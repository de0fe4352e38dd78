/**
 * Apply progress for CI logs (CI set, or stdout not a terminal): plain lines a person can follow
 * for thousands of orders, in Terraform's words. One line when an order (or a seat change) starts,
 * one when it ends with `[id=...]`, a line naming the order for each retry (rate limits included),
 * and on long waits a "Still creating..." line per order in flight every heartbeat interval
 * (`ORDERFORM_HEARTBEAT_MS`, default 30 s). A `Customer ID (Company)` line comes before each
 * customer's first order (docs/state.md, "Customer names"). Queued orders are not listed up front, and no
 * per-request lines appear (those come only with ORDERFORM_LOG=debug, from the client).
 */
import type { ApplyEvent } from "../apply/events.js";
import type { ApplyProgress, ApplyWorkItem } from "../operations/apply.js";
import { renderCustomerLabel } from "../render/customer-label.js";
import type { CliContext } from "./context.js";

const DEFAULT_HEARTBEAT_MS = 30_000;

interface InFlight {
  startedMs: number;
  /** "creating", "resuming" or "changing seats", as the heartbeat line says it. */
  doing: string;
}

export function createLineReporter(ctx: CliContext, items: readonly ApplyWorkItem[] = []): ApplyProgress {
  const names = new Map(items.map((item) => [item.name, item.companyName]));
  const announced = new Set<string>();
  const inFlight = new Map<string, InFlight>();
  const write = (name: string, text: string): void => {
    ctx.stdout.write(`${name}: ${text}\n`);
  };
  const elapsed = (key: string): string => {
    const started = inFlight.get(key)?.startedMs;
    return started === undefined ? "" : ` after ${formatSeconds(Date.now() - started)}`;
  };
  const finish = (key: string): string => {
    const text = elapsed(key);
    inFlight.delete(key);
    return text;
  };

  const heartbeatMs = readHeartbeatMs(ctx.env);
  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const [key, flight] of inFlight) {
      const waited = now - flight.startedMs;
      if (waited >= heartbeatMs) write(key, `Still ${flight.doing}... [${formatSeconds(waited)} elapsed]`);
    }
  }, heartbeatMs);
  heartbeat.unref();

  const onEvent = (event: ApplyEvent): void => {
    switch (event.type) {
      case "order_started": {
        // Once per customer, before its first order: whose tenant it is. A line of its own, so the
        // order lines keep their shape for whoever parses them.
        if (!announced.has(event.customer)) {
          announced.add(event.customer);
          ctx.stdout.write(`Customer ${renderCustomerLabel(event.customer, names.get(event.name))}\n`);
        }
        const doing = event.mode === "resume" ? "resuming" : "creating";
        inFlight.set(event.name, { startedMs: Date.now(), doing });
        write(
          event.name,
          `${event.mode === "resume" ? "Resuming" : "Creating"}... [customer ${event.customer}, MS-RequestId ${event.requestId}]`,
        );
        break;
      }
      case "order_retrying":
        write(
          event.name,
          `Retrying after ${event.reason} (attempt ${event.attempt}, waiting ${formatWait(event.delayMs)})`,
        );
        break;
      case "order_created":
        write(
          event.name,
          `${event.origin === "adopted" ? "Adopted" : "Creation complete"}${finish(event.name)} [id=${event.orderId}]`,
        );
        break;
      case "order_failed":
        write(
          event.name,
          `Failed${finish(event.name)}: ${event.message} [${event.code}]${event.pending ? " (outcome unknown: kept pending, the next apply resumes it with MS-RequestId " + event.requestId + ")" : ""}`,
        );
        break;
      case "order_skipped":
        inFlight.delete(event.name);
        write(event.name, `Skipped: ${event.reason}`);
        break;
      case "update_started": {
        const key = `${event.name} lineItems[${event.lineItemNumber}]`;
        inFlight.set(key, { startedMs: Date.now(), doing: "changing seats" });
        write(
          key,
          `Changing seats ${event.from} -> ${event.to}... [subscription ${event.subscriptionId}, MS-RequestId ${event.requestId}]`,
        );
        break;
      }
      case "update_done": {
        const key = `${event.name} lineItems[${event.lineItemNumber}]`;
        write(
          key,
          `${event.sent ? "Seat change complete" : "Seats already at the new quantity"}${finish(key)} [id=${event.subscriptionId}]`,
        );
        break;
      }
      case "update_failed": {
        const key = `${event.name} lineItems[${event.lineItemNumber}]`;
        write(
          key,
          `Failed${finish(key)}: ${event.message} [${event.code}]${event.pending ? " (outcome unknown: kept pending, the next apply finishes it)" : ""}`,
        );
        break;
      }
      case "update_skipped": {
        const key = `${event.name} lineItems[${event.lineItemNumber}]`;
        inFlight.delete(key);
        write(key, `Skipped: ${event.reason}`);
        break;
      }
      case "summary":
        break;
      default: {
        const never: never = event;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  };
  return {
    onEvent,
    finish: () => {
      clearInterval(heartbeat);
      return Promise.resolve();
    },
  };
}

/** ORDERFORM_HEARTBEAT_MS: a whole number of milliseconds ≥ 1 (tests use a short one); else 30 s. */
function readHeartbeatMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.ORDERFORM_HEARTBEAT_MS);
  return Number.isInteger(value) && value >= 1 ? value : DEFAULT_HEARTBEAT_MS;
}

function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : formatSeconds(ms);
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}
