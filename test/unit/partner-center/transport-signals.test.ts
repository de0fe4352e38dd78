/**
 * What a finished request leaves on the caller's AbortSignal (src/partner-center/transport.ts).
 * Node keeps an AbortSignal made by AbortSignal.any or AbortSignal.timeout alive, in a set of its
 * own, for as long as it has an "abort" listener and has not aborted. A request that leaves a
 * listener behind on such a signal (a token attempt's, or the client's follower) therefore keeps
 * it, and everything it reaches, until the signal aborts: for a token attempt whose timeout
 * signal has already been collected, that is until the token provider closes.
 */
import { getEventListeners } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDispatcher,
  DEFAULT_CONNECTIONS,
  DEFAULT_TIMEOUTS,
  sendHttp,
} from "../../../src/partner-center/transport.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function startServer(): Promise<string> {
  const server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("transport and the caller's signal", () => {
  it("leaves no abort listener on a derived signal once the answer is read", async () => {
    const origin = await startServer();
    const dispatcher = createDispatcher({ timeouts: DEFAULT_TIMEOUTS, connections: DEFAULT_CONNECTIONS });
    closers.push(() => dispatcher.close());
    const lifetime = new AbortController();
    // As a token attempt makes it (src/partner-center/auth.ts) and as the client's follower is made
    // (src/partner-center/attempts.ts).
    const signals = [
      AbortSignal.any([lifetime.signal, AbortSignal.timeout(30_000)]),
      AbortSignal.any([lifetime.signal]),
      AbortSignal.timeout(30_000),
    ];
    for (const signal of signals) {
      const answer = await sendHttp(dispatcher, { origin, path: "/", method: "GET", headers: {}, signal });
      expect(answer.text).toBe("ok");
    }
    // undici removes its own listener on the body's "close".
    await new Promise((resolve) => setImmediate(resolve));
    expect(signals.map((signal) => getEventListeners(signal, "abort").length)).toEqual([0, 0, 0]);
    lifetime.abort();
  });
});
