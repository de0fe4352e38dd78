/**
 * The composition root of the Partner Center connection, used by every command that talks to
 * Partner Center. For a real endpoint it opens the client (src/partner-center/open.ts). For
 * `endpoint: sandbox` it first starts the built-in emulator in-process (src/sandbox/), its store
 * under <rootDir>/<sandbox.dataDir>/ so that successive runs see the same orders, and then opens
 * the client on the sandbox's loopback URL with the sandbox's public partner credentials; closing
 * the result closes the client, then the sandbox. This is the only place where the client and the
 * sandbox meet: neither imports the other. See docs/sandbox.md.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { LoadedConfig } from "../config/types.js";
import { openConfiguredPartnerCenter, openPartnerCenterClient } from "../partner-center/open.js";
import type { OpenedPartnerCenter } from "../partner-center/open.js";

/** The variable name under which the sandbox's public secret is handed to the token provider. */
const SANDBOX_SECRET_VARIABLE = "ORDERFORM_SANDBOX_CLIENT_SECRET";

export async function openPartnerCenter(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  version: string,
  /** The run's `--parallelism`, when it has one: it sizes the connection pool. */
  parallelism?: number,
): Promise<OpenedPartnerCenter> {
  const { config } = loaded;
  if (config.endpoint !== "sandbox") return openConfiguredPartnerCenter(loaded, env, version, parallelism);

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
    const opened = openPartnerCenterClient(
      config,
      {
        baseUrl: server.url,
        auth: {
          mode: "app",
          tenantId: SANDBOX_PARTNER.tenantId,
          clientId: SANDBOX_PARTNER.clientId,
          clientSecretEnv: SANDBOX_SECRET_VARIABLE,
          authorityHost: server.url,
        },
        secrets: { [SANDBOX_SECRET_VARIABLE]: SANDBOX_PARTNER.clientSecret },
      },
      env,
      version,
      parallelism,
    );
    return {
      client: opened.client,
      endpoint: opened.endpoint,
      async close() {
        await opened.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
