/**
 * `state migrate` into the shared backends (azblob, pg) when the target already holds the state:
 * copying over a target that changed must never drop the record of an order bought there, and a
 * second migrate says that it copied nothing. The built CLI against the sandbox, Azurite and a real
 * PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.js";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  startAzurite,
  type RunningAzurite,
} from "../support/azurite-server.mjs";
import { findPostgresBinDir, startPostgres, type RunningPostgres } from "../support/postgres-server.mjs";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  createTestProject,
  listSandboxOrders,
  resetSandbox,
  writeStandardOrders,
  type TestProject,
} from "./helpers.js";

type Backend = "local" | "azblob" | "pg";
const CONTAINER = "orderform-review";
const hasPostgres = findPostgresBinDir() !== undefined;
const REMOTES: Backend[] = hasPostgres ? ["azblob", "pg"] : ["azblob"];

let sandbox: RunningSandbox;
let azurite: RunningAzurite;
let postgres: RunningPostgres | undefined;
const projects: TestProject[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  azurite = await startAzurite();
  const service = new BlobServiceClient(
    azurite.accountUrl,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  await service.getContainerClient(CONTAINER).create();
  if (hasPostgres) postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const project of projects.splice(0)) await project.cleanup();
  await sandbox.close();
  await azurite.stop();
  await postgres?.stop();
});
beforeEach(async () => {
  await resetSandbox(sandbox.url);
});

function createStateSection(backend: Backend, place = randomUUID().slice(0, 8)): string {
  switch (backend) {
    case "local":
      return ["state:", "  backend: local", `  path: state-${place}.json`].join("\n");
    case "azblob":
      return [
        "state:",
        "  backend: azblob",
        `  url: ${azurite.accountUrl}/${CONTAINER}`,
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
  const config = (await readFile(configPath, "utf8")).replace(/^state:\n( {2}.*\n)+/m, `${section}\n`);
  await writeFile(configPath, config);
  project.env.ORDERFORM_TEST_STORAGE_KEY = AZURITE_KEY;
  if (postgres !== undefined) project.env.ORDERFORM_TEST_PG_URL = postgres.url;
  await writeStandardOrders(project);
  return project;
}

async function writeTargetConfig(project: TestProject, section: string): Promise<void> {
  const config = await readFile(join(project.dir, "orderform.config.yaml"), "utf8");
  await writeFile(join(project.dir, "target.yaml"), config.replace(/^state:\n( {2}.*\n)+/m, `${section}\n`));
}

async function listNames(project: TestProject, args: string[] = []): Promise<string[]> {
  const result = await project.run([...args, "state", "list", "--json"]);
  const listed = JSON.parse(result.stdout) as { orders: { name: string }[] };
  return listed.orders.map((o) => o.name).sort();
}

describe.each(REMOTES)("review: state migrate into %s", (backend) => {
  it("refuses a target of the same lineage that diverged, and never drops the record of an order bought there", async () => {
    const project = await createCheckout(createStateSection("local"));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0); // source serial 1
    await writeTargetConfig(project, createStateSection(backend));
    const target = ["--config", "target.yaml"];
    expect((await project.run(["state", "migrate", "--to", "target.yaml"])).code).toBe(0);

    // A runner already switched to the target buys one more order there (target serial 2).
    await project.writeOrder("extra.yaml", createOrderYaml("contoso/extra", CONTOSO, LICENSE_OFFER, 2));
    const bought = await project.run([...target, "apply", "--auto-approve"]);
    expect(bought.code).toBe(0);
    expect(await listNames(project, target)).toContain("contoso/extra");
    expect(await listSandboxOrders(sandbox.url)).toHaveLength(4);

    // Meanwhile the old config keeps being used: the source moves on (serials 2 and 3).
    expect((await project.run(["state", "rm", "tailspin/legacy"])).code).toBe(0);
    expect((await project.run(["state", "rm", "fabrikam/seats"])).code).toBe(0);

    const again = await project.run(["state", "migrate", "--to", "target.yaml"]);
    // The target's version 2 is not the source's version 2: copying over it drops contoso/extra,
    // an order that was bought and is recorded nowhere else.
    expect(await listNames(project, target)).toContain("contoso/extra");
    expect(again.code).toBe(1);
  }, 120_000);

  it("migrating twice copies nothing the second time, and says so", async () => {
    const project = await createCheckout(createStateSection("local"));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    await writeTargetConfig(project, createStateSection(backend));
    const first = await project.run(["state", "migrate", "--to", "target.yaml"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Copied 1 state version(s)");
    const second = await project.run(["state", "migrate", "--to", "target.yaml"]);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("Copied 1 state version(s)");
  }, 90_000);
});
