/**
 * Transport: HTTP over undici's public API, nothing Partner Center specific. One keep-alive Agent
 * per client (createDispatcher); one request sent, its whole answer read as text (sendHttp).
 *
 * Contract: a request is sent once. It either answers (any status, body read) or throws undici's
 * error, which parseTransportCode names (ECONNRESET, UND_ERR_HEADERS_TIMEOUT, ...); an aborted
 * `signal` throws its reason. Retries, headers and rate limits are the caller's (./attempts.ts).
 * The pool and timeouts are the ones README.md ("The Partner Center client") documents.
 */
import { EventEmitter } from "node:events";
import { Agent, type Dispatcher } from "undici";

export interface ClientTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: ClientTimeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 60_000 };
export const DEFAULT_CONNECTIONS = 16;

export interface HttpRequest {
  origin: string;
  /** Path and query, e.g. "/v1/customers/ID/orders?billingType=monthly". */
  path: string;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A keep-alive connection pool; the caller closes it. */
export function createDispatcher(settings: { timeouts: ClientTimeouts; connections: number }): Dispatcher {
  return new Agent({
    connections: settings.connections,
    connect: { timeout: settings.timeouts.connectMs },
    headersTimeout: settings.timeouts.headersMs,
    bodyTimeout: settings.timeouts.bodyMs,
    keepAliveTimeout: 30_000,
  });
}

/** Sends one request through `dispatcher` and reads the whole answer. */
export async function sendHttp(dispatcher: Dispatcher, request: HttpRequest): Promise<HttpAnswer> {
  const response = await dispatcher.request({
    origin: request.origin,
    path: request.path,
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.signal === undefined ? {} : { signal: relayAbort(request.signal) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

/**
 * What a request's `signal` becomes for undici: an EventEmitter that follows the AbortSignal (undici
 * takes either). undici adds one "abort" listener per request and removes it once the answer is
 * read. On an AbortSignal that a whole run shares, that churn kept each request's objects, its
 * answer's text among them, alive until V8's next full collection: about 4 KB per request, so a
 * plan of 100,000 lists grew its heap by hundreds of MB of garbage (docs/performance.md, "Where a
 * plan's memory goes"). On an EventEmitter the same listeners cost nothing after their request.
 * One relay per signal, made at its first request; it reports the signal's `aborted` and `reason`,
 * and emits "abort" when the signal aborts. It listens on the signal only while a request listens
 * on it: Node keeps a signal made by AbortSignal.any or AbortSignal.timeout alive for as long as it
 * has a listener, and a token attempt makes one such signal per attempt.
 */
type AbortRelay = EventEmitter & { readonly aborted: boolean; readonly reason: unknown };
const relays = new WeakMap<AbortSignal, AbortRelay>();

export function relayAbort(signal: AbortSignal): AbortRelay {
  let relay = relays.get(signal);
  if (relay === undefined) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0); // one per request in flight, all expected
    const forward = (): void => {
      emitter.emit("abort");
    };
    // "newListener" comes before the listener is added, "removeListener" after it is removed.
    emitter.on("newListener", (event: string | symbol) => {
      if (event === "abort" && emitter.listenerCount("abort") === 0)
        signal.addEventListener("abort", forward, { once: true });
    });
    emitter.on("removeListener", (event: string | symbol) => {
      if (event === "abort" && emitter.listenerCount("abort") === 0)
        signal.removeEventListener("abort", forward);
    });
    relay = Object.defineProperties(emitter, {
      aborted: { get: () => signal.aborted },
      reason: { get: (): unknown => signal.reason },
    }) as AbortRelay;
    relays.set(signal, relay);
  }
  return relay;
}

/**
 * A POST (or, for a federated assertion, a GET) through `dispatcher`, answered as the token provider needs it (status and text). Used
 * instead of fetch: it follows no redirect and asks for no compression, since the token endpoint
 * answers directly, and a redirect is reported as a refusal (its status) instead of being followed.
 */
export async function sendForm(
  dispatcher: Dispatcher,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<{ status: number; text(): Promise<string> }> {
  const target = new URL(url);
  const answer = await sendHttp(dispatcher, {
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: init.method as Dispatcher.HttpMethod,
    headers: init.headers,
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  return { status: answer.status, text: () => Promise.resolve(answer.text) };
}

/** A short, stable name for a transport failure: undici's or the socket's error code. */
export function parseTransportCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : "network error";
}

export function isTimeoutCode(code: string): boolean {
  return /TIMEOUT/i.test(code);
}
