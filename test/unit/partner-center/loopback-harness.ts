/**
 * The set-up the client's loopback tests share: a real sandbox on 127.0.0.1, a token provider in
 * app mode for the sandbox's partner, the client with short retry delays, and plain fetch for the
 * admin API. Each harness is closed when its test finishes.
 */
import { expect, onTestFinished } from "vitest";
import { createTokenProvider, type TokenProviderOptions } from "../../../src/partner-center/auth.js";
import { createPartnerCenterClient, type ClientOptions } from "../../../src/partner-center/client.js";
import type { PartnerCenterClient } from "../../../src/partner-center/types.js";
import { SANDBOX_PARTNER, startSandbox, type SandboxOptions } from "../../../src/sandbox/index.js";

export const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const SECRET_VAR = "PC_TEST_CLIENT_SECRET";

export interface LoopbackHarness {
  url: string;
  client: PartnerCenterClient;
  /** What the client (and the provider, when given the logger) logged. */
  logs: string[];
  /** An admin API call that must answer 200; its JSON body. */
  admin<T = Record<string, unknown>>(method: string, route: string, body?: unknown): Promise<T>;
}

/** The app-mode token provider of the sandbox's partner at `authorityHost`, with `clientSecret`. */
export function createSandboxTokenProvider(
  authorityHost: string,
  clientSecret: string = SANDBOX_PARTNER.clientSecret,
  options?: TokenProviderOptions,
) {
  return createTokenProvider(
    {
      mode: "app",
      tenantId: SANDBOX_PARTNER.tenantId,
      clientId: SANDBOX_PARTNER.clientId,
      clientSecretEnv: SECRET_VAR,
      authorityHost,
    },
    { [SECRET_VAR]: clientSecret },
    options,
  );
}

export interface LoopbackOptions {
  sandbox?: SandboxOptions;
  client?: Partial<ClientOptions>;
  /** The token provider's options, given the harness's logger. */
  createProviderOptions?: (logger: (line: string) => void) => TokenProviderOptions;
}

export async function startLoopbackHarness(options: LoopbackOptions = {}): Promise<LoopbackHarness> {
  const server = await startSandbox({ port: 0, ...options.sandbox });
  const logs: string[] = [];
  const logger = (line: string) => logs.push(line);
  const tokenProvider = createSandboxTokenProvider(
    server.url,
    SANDBOX_PARTNER.clientSecret,
    options.createProviderOptions?.(logger),
  );
  const client = createPartnerCenterClient({
    baseUrl: server.url,
    tokenProvider,
    logger,
    retry: { baseDelayMs: 20, maxDelayMs: 200, maxElapsedMs: 20_000 },
    ...options.client,
  });
  onTestFinished(async () => {
    await client.close();
    await server.close();
  });
  const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${server.url}${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    expect(response.status, `${method} ${route}`).toBe(200);
    return (await response.json()) as T;
  };
  return { url: server.url, client, logs, admin };
}
