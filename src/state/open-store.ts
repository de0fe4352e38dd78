/**
 * Opens the state store a config names: local (docs/state.md), azblob or pg (docs/backends.md).
 * Secrets come only from the environment variables the config names; a missing one is reported
 * by the variable's name, before anything is read or written. A remote backend's modules (its
 * Azure or PostgreSQL client among them) load only when the config names it: loading the Azure
 * client alone costs about 0.12 s and 24 MB in every run (docs/performance.md, "Where a plan's
 * memory goes").
 */
import type { AuthConfig, LoadedConfig } from "../config/types.js";
import { createTokenProvider } from "../partner-center/auth.js";
import { createStateError } from "./errors.js";
import { readGitHead } from "./local-store.js";
import { openLocalStateStore } from "./open-local-store.js";
import type { StateStore } from "./types.js";

export interface OpenStateStoreOptions {
  env: NodeJS.ProcessEnv;
  /** Receives notices for the user (a lock taken over, a journal recovered). */
  notify?: (text: string) => void;
}

const STORAGE_RESOURCE = "https://storage.azure.com";

export async function openConfiguredStateStore(
  loaded: LoadedConfig,
  options: OpenStateStoreOptions,
): Promise<StateStore> {
  const state = loaded.config.state;
  const notify = options.notify === undefined ? {} : { notify: options.notify };
  const readGitCommit = (): Promise<string | undefined> => readGitHead(loaded.rootDir);
  switch (state.backend) {
    case "local":
      return openLocalStateStore(loaded, state, options);
    case "pg": {
      const connectionString = readBackendSecret(
        options.env,
        state.connectionStringEnv,
        "state.connectionStringEnv",
      );
      const [{ createPgDriver }, { createRemoteStateStore }] = await Promise.all([
        import("./remote/pg-driver.js"),
        import("./remote/remote-store.js"),
      ]);
      const driver = createPgDriver({
        connectionString,
        schema: state.schema,
        name: state.name,
        lockTtlSeconds: state.lockTtlSeconds,
      });
      return createRemoteStateStore({ driver, readGitCommit, env: options.env, ...notify });
    }
    case "azblob": {
      const auth = state.auth;
      const secrets =
        auth.mode === "shared-key"
          ? { accountKey: readBackendSecret(options.env, auth.accountKeyEnv, "state.auth.accountKeyEnv") }
          : auth.mode === "sas"
            ? { sasToken: readBackendSecret(options.env, auth.sasTokenEnv, "state.auth.sasTokenEnv") }
            : { credential: createStorageCredential(loaded.config.auth, options.env) };
      const [
        { createAzblobContainerClient, renderAzblobDescription },
        { createAzblobDriver },
        { createRemoteStateStore },
      ] = await Promise.all([
        import("./remote/azblob-client.js"),
        import("./remote/azblob-driver.js"),
        import("./remote/remote-store.js"),
      ]);
      const containerClient = createAzblobContainerClient(state, secrets);
      const driver = createAzblobDriver({
        containerClient,
        description: renderAzblobDescription(state),
        name: state.name,
        leaseSeconds: state.leaseSeconds,
      });
      return createRemoteStateStore({ driver, readGitCommit, env: options.env, ...notify });
    }
  }
}

function readBackendSecret(env: NodeJS.ProcessEnv, variable: string, setting: string): string {
  const value = env[variable];
  if (value === undefined || value === "") {
    throw createStateError(
      "state.backend-secret-missing",
      `environment variable ${variable} (${setting}) is not set`,
      { hint: `export ${variable} before running orderform; secrets are never read from the config file` },
    );
  }
  return value;
}

/**
 * Entra ID sign-in for Blob Storage with the app the config signs in to Partner Center with (the
 * `auth` section), for the resource https://storage.azure.com. The app needs a data role on the
 * container (Storage Blob Data Contributor).
 */
function createStorageCredential(auth: AuthConfig | undefined, env: NodeJS.ProcessEnv) {
  if (auth === undefined || auth.mode === "token") {
    throw createStateError(
      "state.backend-auth-failed",
      "state.auth mode entra signs in with the config's auth section, which needs mode app or app+user",
      {
        hint: "Add auth: { mode: app, tenantId, clientId, clientSecretEnv }, or use state.auth mode shared-key or sas.",
      },
    );
  }
  const provider = createTokenProvider(auth, env, { resource: STORAGE_RESOURCE });
  return {
    getToken: async () => ({
      token: await provider.getToken(),
      // The provider caches and renews the token itself; the SDK asks again after this.
      expiresOnTimestamp: Date.now() + 2 * 60_000,
    }),
  };
}
