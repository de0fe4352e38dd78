/**
 * The sandbox: a node:http Partner Center emulator. This room listens and dispatches: it creates
 * the shared context (context.ts), loads the store, starts the node:http server on loopback (by
 * default), hands each request to the handler the route table finds (route-table.ts), and closes
 * the server and the store. A handler that throws is answered here: 413 for a body over its limit,
 * else 500 (a sandbox bug), never a hanging client.
 *
 * The rooms: oauth.ts (token endpoints), order-routes.ts and create-order.ts (the /v1 order
 * routes), request-ids.ts (MS-RequestId records), rate-windows.ts (429), admin-api.ts
 * (/_sandbox/*), respond.ts (how answers are written). See docs/sandbox.md.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadCatalog } from "./catalog.js";
import { createStoredCustomer } from "./context.js";
import type { SandboxContext, SandboxOptions } from "./context.js";
import { SANDBOX_CUSTOMERS, SANDBOX_OTHER_PARTNER, SANDBOX_PARTNER } from "./defaults.js";
import { FaultInjector } from "./faults.js";
import { listenOrExplain } from "./listen.js";
import { createFailureAnswer } from "./request-body.js";
import { writeAnswer } from "./respond.js";
import { findRoute } from "./route-table.js";
import { SandboxStore } from "./store.js";

export interface RunningSandbox {
  /** http://HOST:PORT, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/**
 * Loads the store (taking its data file's lock) and listens. Throws OrderformError for a port or
 * host that cannot be used and for a data file that cannot be (listen.ts, data-file.ts, data-lock.ts).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const ctx = readSandboxContext(options);
  // Built-in registrations first, so a persisted store may override them (e.g. re-parented customers).
  ctx.store.seedPartners(ctx.basePartners);
  ctx.store.seedCustomers(ctx.baseCustomers);
  ctx.store.load(ctx.now());
  const server = createServer((req, res) => {
    handleRequest(ctx, req, res).catch((error: unknown) => {
      // 413 for a body over its limit; else a bug: 500 rather than leave the client hanging.
      const answer = createFailureAnswer(error, options.numericErrorCodes === true);
      if (!res.headersSent)
        writeAnswer(ctx, req, res, answer.status === 413 ? "body-too-large" : "internal", answer);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  const host = options.host ?? "127.0.0.1";
  try {
    await listenOrExplain(server, options.port ?? 0, host);
  } catch (error) {
    ctx.store.close(ctx.now()); // releases the data file's lock
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${shownHost}:${port}`,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      ctx.store.close(ctx.now());
    },
  };
}

/** The context of a new sandbox; reads the offer catalog. The store is not loaded yet. */
function readSandboxContext(options: SandboxOptions): SandboxContext {
  return {
    options,
    now: options.clock ?? Date.now,
    catalog: loadCatalog(),
    store: new SandboxStore(options.dataFile),
    faults: new FaultInjector(options.seed ?? 1),
    tokens: new Map(),
    refreshTokens: new Map(),
    apps: new Map(),
    issuer: { requestTokens: new Map() },
    inFlight: new Set(),
    rateWindows: new Map(),
    stats: new Map(),
    renderCache: new WeakMap(),
    basePartners: [SANDBOX_PARTNER, SANDBOX_OTHER_PARTNER, ...(options.partners ?? [])],
    baseCustomers: [...SANDBOX_CUSTOMERS, ...(options.customers ?? [])].map(createStoredCustomer),
  };
}

async function handleRequest(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));
  const method = req.method ?? "GET";
  const { handler, match } = findRoute(method, path);
  await handler(ctx, { req, res, method, path, query }, match);
}
