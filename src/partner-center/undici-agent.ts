/**
 * undici's Agent and request(), loaded without the rest of the package. `import ... from "undici"`
 * evaluates its index, which also loads fetch, WebSocket, EventSource, the caches and the mocks:
 * ~70 ms of every plan's start-up on the main thread, against ~25 ms for the Agent and request()
 * (issue 7). undici is pinned in package.json and the lockfile and declares no "exports", so these
 * paths are part of the installed version. Should an upgrade move them, the whole package is loaded
 * instead (only slower); test/unit/partner-center/undici-agent.test.ts then fails as a reminder.
 */
import { createRequire } from "node:module";
import type * as Undici from "undici";
import type { Agent as AgentClass, Dispatcher } from "undici";

export type { Dispatcher };
type RequestFunction = (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

const require = createRequire(import.meta.url);

function loadUndici(): { Agent: typeof AgentClass; request: RequestFunction; source: "parts" | "package" } {
  try {
    const Agent = require("undici/lib/dispatcher/agent.js") as unknown;
    const request = require("undici/lib/api/api-request.js") as unknown;
    if (typeof Agent === "function" && typeof request === "function") {
      return { Agent: Agent as typeof AgentClass, request: request as RequestFunction, source: "parts" };
    }
  } catch {
    // moved by an upgrade: load the package
  }
  const undici = require("undici") as typeof Undici;
  const request = undici.Dispatcher.prototype.request as unknown as RequestFunction;
  return { Agent: undici.Agent, request, source: "package" };
}

const loaded = loadUndici();

export const Agent = loaded.Agent;
/** Which way undici was loaded: "parts" unless an upgrade moved them. */
export const undiciSource = loaded.source;

/** dispatcher.request(options), for any undici Dispatcher (the Agent loaded here has no method). */
export function sendRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return loaded.request.call(dispatcher, options);
}

/**
 * A POST through `dispatcher`, answered as the token provider needs it (status and text). Used
 * instead of undici's fetch, which only the token request needed. Unlike fetch it follows no
 * redirect and asks for no compression: the token endpoint answers directly, and a redirect is
 * reported as a refusal (its status) instead of being followed.
 */
export async function postForm(
  dispatcher: Dispatcher,
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
): Promise<{ status: number; text(): Promise<string> }> {
  const target = new URL(url);
  const response = await sendRequest(dispatcher, {
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: init.method as Dispatcher.HttpMethod,
    headers: init.headers,
    body: init.body,
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text: () => Promise.resolve(text) };
}
