/**
 * Request bodies with a size limit. A body over the limit is answered 413 in Partner Center's
 * error shape ({code, description, data, source}) and the connection is closed after the answer;
 * the rest of the body is read and dropped, never kept, so the client can read the answer.
 */
import type { IncomingMessage } from "node:http";
import { OrderformError } from "../core/errors.js";
import { createApiError } from "./order-request.js";
import { renderApiError } from "./render.js";

const TOO_LARGE = "sandbox.body-too-large";

/** The body as UTF-8; rejects with an OrderformError (see createFailureAnswer) past `limit` bytes. */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.off("end", onEnd);
      req.resume();
      reject(new OrderformError(TOO_LARGE, `Request body too large: at most ${limit} bytes are accepted.`));
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString("utf8"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}

/**
 * The answer to a request whose handling threw: 413 for a body over its limit, else 500 (a bug in
 * the sandbox, shown in the body).
 */
export function createFailureAnswer(
  error: unknown,
  numericCodes: boolean,
): { status: number; body: string; headers?: Record<string, string> } {
  if (error instanceof OrderformError && error.code === TOO_LARGE) {
    return {
      status: 413,
      body: JSON.stringify(renderApiError(createApiError(413, "413", error.message), numericCodes)),
      headers: { Connection: "close" },
    };
  }
  return { status: 500, body: JSON.stringify({ error: String(error) }) };
}
