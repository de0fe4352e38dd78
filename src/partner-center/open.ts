/**
 * Builds the client from the loaded config: the one place where endpoint, auth, rate limit and
 * logging settings meet. With `endpoint: sandbox` the built-in emulator is started in-process
 * (its store under <rootDir>/<sandbox.dataDir>/ so that successive runs see the same orders).
 */
import { mkdirSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import type { AuthConfig, LoadedConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import { createTokenProvider, DEFAULT_AUTHORITY_HOST } from "./auth.js";
import { createPartnerCenterClient } from "./client.js";
import { createRateLimiter } from "./rate-limiter.js";
import type { PartnerCenterClient } from "./types.js";

export interface OpenedPartnerCenter {
  client: PartnerCenterClient;
  close(): Promise<void>;
  /** The base URL in use (the sandbox's loopback URL when endpoint is "sandbox"). */
  endpoint: string;
}

/** The variable name under which the sandbox's public secret is handed to the token provider. */
const SANDBOX_SECRET_VARIABLE = "ORDERFORM_SANDBOX_CLIENT_SECRET";

export async function openPartnerCenter(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  version: string,
): Promise<OpenedPartnerCenter> {
  const { config } = loaded;
  const logger =
    env.ORDERFORM_LOG === "debug"
      ? (line: string) => process.stderr.write(`orderform: ${line}\n`)
      : undefined;
  const rateLimiter = createRateLimiter({ requestsPerMinute: config.rateLimit.requestsPerMinute });
  const common = {
    locale: config.locale,
    applicationName: `orderform/${version}`,
    rateLimiter,
    rateLimitKey: config.rateLimit.key,
    ...(logger === undefined ? {} : { logger }),
  };

  if (config.endpoint === "sandbox") {
    // Dynamic: the sandbox's code is loaded only when it is used.
    const { startSandbox, SANDBOX_PARTNER } = await import("../sandbox/index.js");
    const dataDir = path.join(loaded.rootDir, config.sandbox.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const server = await startSandbox({
      port: 0,
      dataFile: path.join(dataDir, "sandbox.json"),
      listDelayMs: config.sandbox.listDelayMs,
      provisioningDelayMs: config.sandbox.provisioningDelayMs,
    });
    try {
      const auth: AuthConfig = {
        mode: "app",
        tenantId: SANDBOX_PARTNER.tenantId,
        clientId: SANDBOX_PARTNER.clientId,
        clientSecretEnv: SANDBOX_SECRET_VARIABLE,
        authorityHost: server.url,
      };
      const tokenProvider = createTokenProvider(
        auth,
        { [SANDBOX_SECRET_VARIABLE]: SANDBOX_PARTNER.clientSecret },
        logger === undefined ? {} : { logger },
      );
      const client = createPartnerCenterClient({ ...common, baseUrl: server.url, tokenProvider });
      return {
        client,
        endpoint: server.url,
        async close() {
          await client.close();
          await server.close();
        },
      };
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  checkEndpointUrl(config.endpoint, "endpoint");
  if (config.auth === undefined) {
    throw new OrderformError("config.auth-required", `endpoint ${config.endpoint} needs an auth section`, {
      hint: "set auth.mode (app, app+user or token) and the names of the environment variables holding the secrets",
    });
  }
  checkEndpointUrl(config.auth.authorityHost ?? DEFAULT_AUTHORITY_HOST, "auth.authorityHost");
  const tokenProvider = createTokenProvider(config.auth, env, logger === undefined ? {} : { logger });
  const client = createPartnerCenterClient({ ...common, baseUrl: config.endpoint, tokenProvider });
  return { client, endpoint: config.endpoint, close: () => client.close() };
}

/** https everywhere; plain http only to this machine (tokens must not cross a network in clear). */
export function checkEndpointUrl(value: string, setting: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OrderformError("config.endpoint-invalid", `${setting} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return;
  throw new OrderformError(
    "config.endpoint-insecure",
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
