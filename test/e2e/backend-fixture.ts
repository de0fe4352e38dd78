/**
 * The servers and projects of the state-backend e2e tests (docs/backends.md): a sandbox, Azurite
 * with one container, and a real PostgreSQL when its binaries are on the machine; projects whose
 * config names a local, azblob or pg state.
 */
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  startAzurite,
  type RunningAzurite,
} from "../support/azurite-server.mjs";
import { findPostgresBinDir, startPostgres, type RunningPostgres } from "../support/postgres-server.mjs";
import { createTestProject, writeStandardOrders, type TestProject } from "./helpers.js";

export type Backend = "local" | "azblob" | "pg";

export const hasPostgres = findPostgresBinDir() !== undefined;

export interface BackendFixture {
  sandbox: RunningSandbox;
  azurite: RunningAzurite;
  postgres: RunningPostgres | undefined;
  /** The state section of a config for `backend`, naming a fresh, empty state. */
  createStateSection(backend: Backend, place?: string): string;
  /** A checkout of the standard project whose state lives in `section` (shared for azblob and pg). */
  createCheckout(section: string): Promise<TestProject>;
  /** Removes the checkouts and stops the servers. */
  stop(): Promise<void>;
}

/** A config's text with its `state:` section replaced. */
export function replaceStateSection(config: string, section: string): string {
  return config.replace(/^state:\n( {2}.*\n)+/m, `${section}\n`);
}

export async function startBackendFixture(container: string): Promise<BackendFixture> {
  const sandbox = await startSandbox({ port: 0 });
  const azurite = await startAzurite();
  const service = new BlobServiceClient(
    azurite.accountUrl,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  await service.getContainerClient(container).create();
  const postgres = hasPostgres ? await startPostgres() : undefined;
  const projects: TestProject[] = [];

  function createStateSection(backend: Backend, place = randomUUID().slice(0, 8)): string {
    switch (backend) {
      case "local":
        return ["state:", "  backend: local", `  path: state-${place}.json`].join("\n");
      case "azblob":
        return [
          "state:",
          "  backend: azblob",
          `  url: ${azurite.accountUrl}/${container}`,
          `  name: s-${place}`,
          "  auth: { mode: shared-key, accountName: devstoreaccount1, accountKeyEnv: ORDERFORM_TEST_STORAGE_KEY }",
          "  leaseSeconds: 15",
        ].join("\n");
      case "pg":
        return [
          "state:",
          "  backend: pg",
          "  connectionStringEnv: ORDERFORM_TEST_PG_URL",
          `  schema: s_${place.replace(/-/g, "_")}`,
          "  name: prod",
          "  lockTtlSeconds: 15",
        ].join("\n");
    }
  }

  async function createCheckout(section: string): Promise<TestProject> {
    const project = await createTestProject(sandbox.url);
    projects.push(project);
    const configPath = join(project.dir, "orderform.config.yaml");
    await writeFile(configPath, replaceStateSection(await readFile(configPath, "utf8"), section));
    project.env.ORDERFORM_TEST_STORAGE_KEY = AZURITE_KEY;
    if (postgres !== undefined) project.env.ORDERFORM_TEST_PG_URL = postgres.url;
    await writeStandardOrders(project);
    return project;
  }

  return {
    sandbox,
    azurite,
    postgres,
    createStateSection,
    createCheckout,
    stop: async () => {
      for (const project of projects.splice(0)) await project.cleanup();
      await sandbox.close();
      await azurite.stop();
      await postgres?.stop();
    },
  };
}
