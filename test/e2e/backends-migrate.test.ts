/**
 * `state migrate` into the shared backends (azblob, pg) when the target already holds the state:
 * copying over a target that changed must never drop the record of an order bought there, and a
 * second migrate says that it copied nothing. The built CLI against the sandbox, Azurite and a real
 * PostgreSQL.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  listSandboxOrders,
  resetSandbox,
  type TestProject,
} from "./helpers.js";
import {
  hasPostgres,
  replaceStateSection,
  startBackendFixture,
  type Backend,
  type BackendFixture,
} from "./backend-fixture.js";

const REMOTES: Backend[] = hasPostgres ? ["azblob", "pg"] : ["azblob"];

let fixture: BackendFixture;

beforeAll(async () => {
  fixture = await startBackendFixture("orderform-review");
}, 60_000);
afterAll(async () => {
  await fixture.stop();
});
beforeEach(async () => {
  await resetSandbox(fixture.sandbox.url);
});

const createStateSection = (backend: Backend, place?: string): string =>
  fixture.createStateSection(backend, place);
const createCheckout = (section: string): Promise<TestProject> => fixture.createCheckout(section);

async function writeTargetConfig(project: TestProject, section: string): Promise<void> {
  const config = await readFile(join(project.dir, "orderform.config.yaml"), "utf8");
  await writeFile(join(project.dir, "target.yaml"), replaceStateSection(config, section));
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
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(4);

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
