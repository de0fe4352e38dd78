/**
 * Writing answers. Every answer of the sandbox goes out through `sendAnswer`, which counts it in
 * the traffic stats under its route template (the admin API's own calls are left out), echoes or
 * invents MS-RequestId and MS-CorrelationId, and sends JSON with a Content-Length. Partner Center
 * errors go out in its {code, description, data, source} shape (render.ts).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Exchange, SandboxContext } from "./context.js";
import type { ApiError } from "./order-request.js";
import { renderApiError } from "./render.js";

export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export function sendAnswer(ctx: SandboxContext, exchange: Exchange, template: string, answer: Answer): void {
  writeAnswer(ctx, exchange.req, exchange.res, template, answer);
}

/** sendAnswer for callers without an Exchange (the server's last-resort 413/500). */
export function writeAnswer(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  template: string,
  answer: Answer,
): void {
  // Stats describe the traffic of the client under test, so the admin API's own calls are left out.
  if (!template.includes(" /_sandbox/")) countRequest(ctx, template, String(answer.status));
  const headers: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(answer.body),
    "MS-RequestId": findHeader(req, "ms-requestid") ?? randomUUID(),
    "MS-CorrelationId": findHeader(req, "ms-correlationid") ?? randomUUID(),
    ...answer.headers,
  };
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

export function sendApiError(
  ctx: SandboxContext,
  exchange: Exchange,
  template: string,
  error: ApiError,
  headers?: Record<string, string>,
): void {
  const answer = createErrorAnswer(error, ctx.options.numericErrorCodes);
  sendAnswer(ctx, exchange, template, headers === undefined ? answer : { ...answer, headers });
}

/** Commit-then-drop: the change is already durable; the client sees the connection die with no byte. */
export function sendDrop(ctx: SandboxContext, exchange: Exchange, template: string): void {
  countRequest(ctx, template, "dropped");
  exchange.res.socket?.destroy();
}

function countRequest(ctx: SandboxContext, template: string, status: string): void {
  let counts = ctx.stats.get(template);
  if (counts === undefined) {
    counts = new Map();
    ctx.stats.set(template, counts);
  }
  counts.set(status, (counts.get(status) ?? 0) + 1);
}

export function createJsonAnswer(status: number, body: unknown, headers?: Record<string, string>): Answer {
  return headers === undefined
    ? { status, body: JSON.stringify(body) }
    : { status, body: JSON.stringify(body), headers };
}

export function createErrorAnswer(error: ApiError, numericCodes: boolean | undefined): Answer {
  return createJsonAnswer(error.status, renderApiError(error, numericCodes === true));
}

/** A header's first value; undefined when absent or empty. */
export function findHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

/** Waits out an injected latency (faults.ts). */
export function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
