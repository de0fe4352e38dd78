/**
 * The ContainerClient for `state.backend: azblob` from config and secrets (docs/backends.md,
 * "azblob: authentication"). The CLI reads the secrets from the environment variables the config
 * names and, for mode entra, builds the TokenCredential; this module only assembles the client.
 *
 * Retries are kept short so that a dead endpoint fails in seconds: two tries, 0.5 s apart, and
 * 30 s per try (enough for a 13 MB snapshot on a slow link).
 */
import type { TokenCredential } from "@azure/core-auth";
import { AnonymousCredential, ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { StoragePipelineOptions } from "@azure/storage-blob";
import type { AzblobStateConfig } from "../../config/types.js";
import { createStateError } from "../errors.js";

export interface AzblobSecrets {
  accountKey?: string;
  sasToken?: string;
  credential?: TokenCredential;
}

const AZBLOB_PIPELINE_OPTIONS: StoragePipelineOptions = {
  retryOptions: { maxTries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 },
  userAgentOptions: { userAgentPrefix: "orderform" },
};

/** The container URL without any query (never shows a SAS token). */
function renderContainerUrl(url: string): string {
  const parsed = new URL(url);
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString().replace(/\/$/, "");
}

/** For messages: where the state lives; never a secret. */
export function renderAzblobDescription(config: Pick<AzblobStateConfig, "url" | "name">): string {
  return `Azure Blob container ${renderContainerUrl(config.url)} (state "${config.name}")`;
}

function createMissingSecretError(config: AzblobStateConfig, what: string) {
  return createStateError(
    "state.backend-auth-failed",
    `No ${what} was given for ${renderAzblobDescription(config)} (auth mode ${config.auth.mode}).`,
    { hint: "Set the environment variable the config's state.auth names." },
  );
}

export function createAzblobContainerClient(
  config: AzblobStateConfig,
  secrets: AzblobSecrets,
): ContainerClient {
  const url = renderContainerUrl(config.url);
  switch (config.auth.mode) {
    case "shared-key": {
      if (secrets.accountKey === undefined || secrets.accountKey === "")
        throw createMissingSecretError(config, "account key");
      const credential = new StorageSharedKeyCredential(config.auth.accountName, secrets.accountKey);
      return new ContainerClient(url, credential, AZBLOB_PIPELINE_OPTIONS);
    }
    case "sas": {
      const token = (secrets.sasToken ?? "").replace(/^\?/, "");
      if (token === "") throw createMissingSecretError(config, "SAS token");
      return new ContainerClient(`${url}?${token}`, new AnonymousCredential(), AZBLOB_PIPELINE_OPTIONS);
    }
    case "entra": {
      if (secrets.credential === undefined) throw createMissingSecretError(config, "Entra ID credential");
      return new ContainerClient(url, secrets.credential, AZBLOB_PIPELINE_OPTIONS);
    }
  }
}
