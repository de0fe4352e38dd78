/**
 * The transport room (src/partner-center/transport.ts) and the token provider's default POST,
 * against a node:http server on 127.0.0.1: what is sent, what is read back, that an aborted
 * signal ends a request the server never answers, and that a finished request leaves nothing on
 * its signal.
 */
import { getEventListeners } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTokenProvider } from "../../../src/partner-center/auth.js";
import {
  createDispatcher,
  DEFAULT_CONNECTIONS,
  DEFAULT_TIMEOUTS,
  parseTransportCode,
  relayAbort,
  sendHttp,
} from "../../../src/partner-center/transport.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function startServer(reply: (seen: Seen, res: ServerResponse) => void): Promise<{
  origin: string;
  seen: Seen[];
}> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(entry);
      reply(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function createTestDispatcher() {
  const dispatcher = createDispatcher({ timeouts: DEFAULT_TIMEOUTS, connections: DEFAULT_CONNECTIONS });
  closers.push(() => dispatcher.close());
  return dispatcher;
}

describe("transport", () => {
  it("sends the method, path, headers and body, and reads status, headers and text", async () => {
    const server = await startServer((_seen, res) => {
      res.writeHead(201, { "content-type": "application/json", "retry-after": "3" });
      res.end('{"id":"o-1"}');
    });
    const answer = await sendHttp(createTestDispatcher(), {
      origin: server.origin,
      path: "/v1/customers/c-1/orders?billingType=monthly",
      method: "POST",
      headers: { "ms-requestid": "r-1", "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(answer).toMatchObject({ status: 201, text: '{"id":"o-1"}', headers: { "retry-after": "3" } });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({
      method: "POST",
      url: "/v1/customers/c-1/orders?billingType=monthly",
      body: '{"a":1}',
      headers: { "ms-requestid": "r-1", "content-type": "application/json" },
    });
  });

  it("gives up a request the server never answers when its signal aborts, with the signal's reason", async () => {
    const server = await startServer(() => undefined); // never answers
    const controller = new AbortController();
    const pending = sendHttp(createTestDispatcher(), {
      origin: server.origin,
      path: "/v1/slow",
      method: "GET",
      headers: {},
      signal: controller.signal,
    });
    while (server.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // undici listens on the signal's relay, not on the signal itself (see relayAbort).
    expect(relayAbort(controller.signal).listenerCount("abort")).toBe(1);
    const reason = new Error("user pressed Ctrl-C");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("shares one abort relay per signal, and leaves no listener on it once the answers are read", async () => {
    const server = await startServer((_seen, res) => res.end("ok"));
    const dispatcher = createTestDispatcher();
    const controller = new AbortController();
    const relay = relayAbort(controller.signal);
    expect(relayAbort(controller.signal)).toBe(relay);
    const send = () =>
      sendHttp(dispatcher, {
        origin: server.origin,
        path: "/v1/fast",
        method: "GET",
        headers: {},
        signal: controller.signal,
      });
    const answers = await Promise.all(Array.from({ length: 40 }, send));
    expect(answers.map((a) => a.text)).toEqual(Array.from({ length: 40 }, () => "ok"));
    // undici removes its listener when a body is read; wait for the last body's "close".
    await new Promise((resolve) => setImmediate(resolve));
    expect(relay.listenerCount("abort")).toBe(0);
    expect(relay.aborted).toBe(false);
    const reason = new Error("stopped");
    controller.abort(reason);
    expect(relay).toMatchObject({ aborted: true, reason });
  });

  it("sends nothing when the signal was aborted before the request", async () => {
    const server = await startServer((_seen, res) => res.end("ok"));
    const controller = new AbortController();
    const reason = new Error("stopped before");
    controller.abort(reason);
    const pending = sendHttp(createTestDispatcher(), {
      origin: server.origin,
      path: "/v1/never",
      method: "GET",
      headers: {},
      signal: controller.signal,
    });
    await expect(pending).rejects.toBe(reason);
    expect(server.seen).toHaveLength(0);
  });

  it("leaves no abort listener on the caller's signal once the answer is read", async () => {
    const server = await startServer((_seen, res) => res.end("ok"));
    const dispatcher = createTestDispatcher();
    const lifetime = new AbortController();
    // Node keeps a signal made by AbortSignal.any or AbortSignal.timeout alive while it has a
    // listener: as a token attempt makes one (src/partner-center/auth.ts), as the client's
    // follower is made (src/partner-center/attempts.ts), and a timeout.
    const signals = [
      AbortSignal.any([lifetime.signal, AbortSignal.timeout(30_000)]),
      AbortSignal.any([lifetime.signal]),
      AbortSignal.timeout(30_000),
    ];
    for (const signal of signals) {
      const send = { origin: server.origin, path: "/", method: "GET" as const, headers: {}, signal };
      expect((await sendHttp(dispatcher, send)).text).toBe("ok");
    }
    // undici removes its own listener on the body's "close".
    await new Promise((resolve) => setImmediate(resolve));
    expect(signals.map((signal) => getEventListeners(signal, "abort").length)).toEqual([0, 0, 0]);
    lifetime.abort();
  });

  it("names a refused connection by its socket error code", async () => {
    const server = await startServer(() => undefined);
    await closers.pop()?.(); // the port is closed again
    const error = await sendHttp(createTestDispatcher(), {
      origin: server.origin,
      path: "/",
      method: "GET",
      headers: {},
    }).catch((e: unknown) => e);
    expect(parseTransportCode(error)).toBe("ECONNREFUSED");
  });
});

describe("token provider, default transport", () => {
  it("POSTs the form to the token endpoint and reports a redirect as a refusal instead of following it", async () => {
    const server = await startServer((seen, res) => {
      if (seen.url.endsWith("/oauth2/v2.0/token") && seen.body.includes("client_secret=s3cret-value")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ token_type: "Bearer", expires_in: 3600, access_token: "at-1" }));
        return;
      }
      res.writeHead(302, { location: "/elsewhere" });
      res.end();
    });
    const auth = { mode: "app" as const, tenantId: "t-1", clientId: "c-1", authorityHost: server.origin };
    const provider = createTokenProvider({ ...auth, clientSecretEnv: "S" }, { S: "s3cret-value" });
    closers.push(() => Promise.resolve(provider.close?.()));
    expect(await provider.getToken()).toBe("at-1");
    expect(server.seen[0]).toMatchObject({
      method: "POST",
      url: "/t-1/oauth2/v2.0/token",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    });

    const redirected = createTokenProvider({ ...auth, clientSecretEnv: "S" }, { S: "other-value" });
    closers.push(() => Promise.resolve(redirected.close?.()));
    await expect(redirected.getToken()).rejects.toMatchObject({
      code: "auth.token-failed",
      message: expect.stringContaining("HTTP 302") as unknown,
    });
    expect(server.seen.map((s) => s.url)).not.toContain("/elsewhere");
  });

  it("gives up each attempt on a token endpoint that accepts the request and never answers", async () => {
    const server = await startServer(() => undefined); // never answers
    const auth = { mode: "app" as const, tenantId: "t-1", clientId: "c-1", authorityHost: server.origin };
    const provider = createTokenProvider(
      { ...auth, clientSecretEnv: "S" },
      { S: "s3cret-value" },
      { attemptTimeoutMs: 150, maxAttempts: 2, random: () => 0 },
    );
    closers.push(() => Promise.resolve(provider.close?.()));
    await expect(provider.getToken()).rejects.toMatchObject({
      code: "auth.token-failed",
      message: expect.stringContaining("no answer within 0.15 s") as unknown,
    });
    expect(server.seen).toHaveLength(2);
  });
});
