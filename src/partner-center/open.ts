/**
 * Opens the client from the loaded config: the one place where endpoint, auth, rate limit and
 * logging settings meet. This layer never starts the sandbox: for `endpoint: sandbox` the
 * composition root (src/cli/open-partner-center.ts) starts it and opens the client on its URL with
 * `openPartnerCenterClient`. See docs/sandbox.md.
 */
import { isIP } from "node:net";
import type { AuthConfig, LoadedConfig, OrderformConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import { createTokenProvider, DEFAULT_AUTHORITY_HOST } from "./auth.js";
import { createPartnerCenterClient } from "./client.js";
import { createRateLimiter } from "./rate-limiter.js";
import { DEFAULT_CONNECTIONS } from "./transport.js";
import type { PartnerCenterClient } from "./types.js";

export interface OpenedPartnerCenter {
  client: PartnerCenterClient;
  close(): Promise<void>;
  /** The base URL in use (the sandbox's loopback URL when endpoint is "sandbox"). */
  endpoint: string;
}

/** Where the client sends its requests and how it signs in there. */
export interface PartnerCenterTarget {
  baseUrl: string;
  auth: AuthConfig;
  /** Holds the variables the auth section names (the process environment, or the sandbox's secret). */
  secrets: NodeJS.ProcessEnv;
  /** The project root: relative auth.assertionFile and auth.certificateFile paths start there. */
  rootDir?: string;
}

/**
 * Opens the client on the configured endpoint, an https URL (http for loopback hosts only), with
 * the configured auth. `endpoint: sandbox` is the caller's to start (src/cli/open-partner-center.ts).
 */
export function openConfiguredPartnerCenter(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  version: string,
  parallelism?: number,
): OpenedPartnerCenter {
  const { config } = loaded;
  if (config.endpoint === "sandbox") {
    throw new Error(
      "bug: endpoint: sandbox is started by the caller, then opened with openPartnerCenterClient",
    );
  }
  checkEndpointUrl(config.endpoint, "endpoint");
  if (config.auth === undefined) {
    throw new OrderformError("config.missing-auth", `endpoint ${config.endpoint} needs an auth section`, {
      hint: "set auth.mode (app, app+user, token, federated or certificate) and the names of the environment variables holding the secrets",
    });
  }
  checkEndpointUrl(config.auth.authorityHost ?? DEFAULT_AUTHORITY_HOST, "auth.authorityHost");
  return openPartnerCenterClient(
    config,
    { baseUrl: config.endpoint, auth: config.auth, secrets: env, rootDir: loaded.rootDir },
    env,
    version,
    parallelism,
  );
}

/**
 * Opens the client on `target` with the config's locale and rate limit; the URLs are the caller's
 * to check. ORDERFORM_LOG=debug in `env` logs every request to stderr (never a secret).
 * `parallelism` (the run's `--parallelism`, else the config's) sizes the connection pool.
 */
export function openPartnerCenterClient(
  config: OrderformConfig,
  target: PartnerCenterTarget,
  env: NodeJS.ProcessEnv,
  version: string,
  parallelism: number = config.parallelism,
): OpenedPartnerCenter {
  const logger =
    env.ORDERFORM_LOG === "debug"
      ? (line: string) => process.stderr.write(`orderform: ${line}\n`)
      : undefined;
  const rateLimiter = createRateLimiter({ requestsPerMinute: config.rateLimit.requestsPerMinute });
  const tokenProvider = createTokenProvider(target.auth, target.secrets, {
    ...(logger === undefined ? {} : { logger }),
    ...(target.rootDir === undefined ? {} : { baseDir: target.rootDir }),
  });
  const client = createPartnerCenterClient({
    locale: config.locale,
    applicationName: `orderform/${version}`,
    rateLimiter,
    rateLimitKey: config.rateLimit.key,
    ...(logger === undefined ? {} : { logger }),
    baseUrl: target.baseUrl,
    tokenProvider,
    connections: selectConnections(parallelism),
  });
  return { client, endpoint: target.baseUrl, close: () => client.close() };
}

/**
 * Connections per host for `parallelism` customers at a time: plan and import read a customer's
 * order and subscription lists together, so two each, and never fewer than the pool's default.
 * A pool smaller than the requests in flight queues them behind one another: with 16 connections
 * for 20 requests, a plan under 80 ms of latency per list took 1.13x the time of the same
 * requests sent at once (docs/performance.md, "Plan cost").
 */
export function selectConnections(parallelism: number): number {
  return Math.max(DEFAULT_CONNECTIONS, 2 * parallelism);
}

/**
 * The codes of the config check (src/config/config-rules.ts) for the same settings, so that a
 * config that reaches this point unchecked fails with the code `orderform validate` would give.
 */
const INVALID_URL_CODES = {
  endpoint: "config.invalid-endpoint",
  "auth.authorityHost": "config.invalid-authority-host",
} as const;

/** https everywhere; plain http only to this machine (tokens must not cross a network in clear). */
export function checkEndpointUrl(value: string, setting: keyof typeof INVALID_URL_CODES): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OrderformError(INVALID_URL_CODES[setting], `${setting} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return;
  throw new OrderformError(
    INVALID_URL_CODES[setting],
    `${setting} ${value} must use https (http is allowed only for loopback hosts)`,
    {
      hint: "use an https:// URL, or http://127.0.0.1:PORT for a local sandbox",
    },
  );
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}
