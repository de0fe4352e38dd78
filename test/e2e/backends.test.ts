/**
 * One contract, every state backend (docs/backends.md): the built CLI against the sandbox, with
 * the state in a local file, in Azure Blob Storage (Azurite) and in PostgreSQL (a real server
 * started from the machine's binaries). Each test counts the sandbox's own orders.
 *
 * PostgreSQL tests are skipped, saying how to get the server, when its binaries are missing, except
 * under CI, where a missing server fails them.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AZURITE_KEY } from "../support/azurite-server.mjs";
import { POSTGRES_MISSING_HINT } from "../support/postgres-server.mjs";
import { listSandboxOrders, resetSandbox, setSandboxFaults, type TestProject } from "./helpers.js";
import {
  hasPostgres,
  replaceStateSection,
  startBackendFixture,
  type Backend,
  type BackendFixture,
} from "./backend-fixture.js";

if (!hasPostgres && process.env.CI) throw new Error(`CI needs PostgreSQL: ${POSTGRES_MISSING_HINT}`);
if (!hasPostgres) console.warn(`Skipping the pg backend tests: ${POSTGRES_MISSING_HINT}`);
const BACKENDS: Backend[] = hasPostgres ? ["local", "azblob", "pg"] : ["local", "azblob"];

let fixture: BackendFixture;

beforeAll(async () => {
  fixture = await startBackendFixture("orderform-e2e");
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

function waitForOutput(project: ReturnType<TestProject["spawn"]>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (project.output().stdout.includes(text)) resolve();
    };
    project.stdout?.on("data", check);
    project.once("close", () =>
      reject(new Error(`exited before printing ${text}: ${JSON.stringify(project.output())}`)),
    );
  });
}

async function readOrderNames(project: TestProject): Promise<string[]> {
  const result = await project.run(["state", "list", "--json"]);
  expect(result.stderr).toBe("");
  const listed = JSON.parse(result.stdout) as { orders: { name: string }[]; pending: unknown[] };
  expect(listed.pending).toEqual([]);
  return listed.orders.map((o) => o.name).sort();
}

const NAMES = ["contoso/seats", "fabrikam/seats", "tailspin/legacy"];

describe.each(BACKENDS)("state backend %s", (backend) => {
  it("applies, plans clean, and keeps history (show, state list, history, diff)", async () => {
    const project = await createCheckout(createStateSection(backend));
    const apply = await project.run(["apply", "--auto-approve"]);
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await readOrderNames(project)).toEqual(NAMES);
    const history = JSON.parse((await project.run(["state", "history", "--json"])).stdout) as {
      serial: number;
    }[];
    expect(history.map((h) => h.serial)).toEqual([1]);
    expect((await project.run(["state", "diff"])).stdout).toContain("contoso/seats");
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
  });

  it("two checkouts applying at once: one waits for the other, and nothing is bought twice", async () => {
    const section = createStateSection(backend);
    const a = await createCheckout(section);
    // A local state is a file per checkout: two runs share it only in one folder.
    const b = backend === "local" ? a : await createCheckout(section);
    await setSandboxFaults(fixture.sandbox.url, {
      latency: { fixedMs: 300, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const [ra, rb] = await Promise.all([
      a.run(["apply", "--auto-approve", "--lock-timeout", "60s"]),
      b.run(["apply", "--auto-approve", "--lock-timeout", "60s"]),
    ]);
    await setSandboxFaults(fixture.sandbox.url, {});
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
    expect(await readOrderNames(b)).toEqual(NAMES);
  }, 120_000);

  it("saved plans, import, state mv and state rm work the same", async () => {
    const project = await createCheckout(createStateSection(backend));
    expect((await project.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const applied = await project.run(["apply", "plan.json"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect((await project.run(["state", "mv", "contoso/seats", "contoso/renamed"])).code).toBe(0);
    const show = JSON.parse((await project.run(["state", "show", "contoso/renamed", "--json"])).stdout) as {
      orderId: string;
    };
    expect((await project.run(["state", "rm", "contoso/renamed"])).code).toBe(0);
    const imported = await project.run(["import", "contoso/seats", show.orderId]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect((await project.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    const history = JSON.parse((await project.run(["state", "history", "--json"])).stdout) as {
      command: string;
    }[];
    expect(history.map((h) => h.command.split(" ").slice(0, 2).join(" "))).toEqual([
      "apply plan.json",
      "state mv",
      "state rm",
      "import contoso/seats",
    ]);
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
  });

  it("names the holder when the lock is busy, with its CI run", async () => {
    const section = createStateSection(backend);
    const a = await createCheckout(section);
    const b = backend === "local" ? a : await createCheckout(section);
    Object.assign(a.env, {
      GITHUB_ACTIONS: "true",
      GITHUB_RUN_ID: "4242",
      GITHUB_REPOSITORY: "contoso/orders",
      GITHUB_SERVER_URL: "https://github.com",
    });
    await setSandboxFaults(fixture.sandbox.url, {
      latency: { fixedMs: 3000, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const holder = a.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
    await waitForOutput(holder, '"order_started"');
    const busy = await b.run(["apply", "--auto-approve", "--lock-timeout", "200ms"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("state.locked");
    expect(busy.stderr).toMatch(
      /operation "apply", started \S+, GitHub Actions run 4242 https:\/\/github.com\/contoso\/orders\/actions\/runs\/4242, lock id [0-9a-f-]{36}/,
    );
    await setSandboxFaults(fixture.sandbox.url, {});
    await new Promise((resolve) => holder.once("close", resolve));
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
  }, 60_000);

  it("a SIGKILLed holder's lock is free within its lease, and the next run finishes its intents once", async () => {
    const section = createStateSection(backend);
    const a = await createCheckout(section);
    const b = backend === "local" ? a : await createCheckout(section);
    await setSandboxFaults(fixture.sandbox.url, {
      latency: { fixedMs: 1500, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const holder = a.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
    await waitForOutput(holder, '"order_started"');
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("close", resolve));
    await setSandboxFaults(fixture.sandbox.url, {});
    const next = await b.run(["apply", "--auto-approve", "--lock-timeout", "40s"]);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/recovered|took over/);
    expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
    expect(await readOrderNames(b)).toEqual(NAMES);
  }, 90_000);

  if (backend !== "local")
    it("a holder paused past its lease is fenced out: no duplicate, no lost record", async () => {
      const section = createStateSection(backend);
      const a = await createCheckout(section);
      const b = await createCheckout(section);
      await setSandboxFaults(fixture.sandbox.url, {
        latency: { fixedMs: 1000, route: { method: "POST", pathPattern: "/orders$" } },
      });
      const paused = a.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
      await waitForOutput(paused, '"order_started"');
      paused.kill("SIGSTOP");
      // The lease (15 s) runs out while the holder is stopped; the next run takes the lock.
      const next = await b.run(["apply", "--auto-approve", "--lock-timeout", "60s"]);
      expect(next.stderr).toContain("recovered");
      expect(next.code).toBe(0);
      paused.kill("SIGCONT");
      await new Promise((resolve) => paused.once("close", resolve));
      await setSandboxFaults(fixture.sandbox.url, {});
      const out = paused.output();
      expect(out.code).toBe(1);
      expect(out.stderr).toContain("state.lock-lost");
      expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
      expect(await readOrderNames(b)).toEqual(NAMES);
      expect((await b.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    }, 120_000);

  if (backend === "local")
    it("a paused local holder keeps its lock (it is alive): the next run fails naming it, and the holder then finishes", async () => {
      const project = await createCheckout(createStateSection(backend));
      await setSandboxFaults(fixture.sandbox.url, {
        latency: { fixedMs: 500, route: { method: "POST", pathPattern: "/orders$" } },
      });
      const paused = project.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
      await waitForOutput(paused, '"order_started"');
      paused.kill("SIGSTOP");
      const next = await project.run(["apply", "--auto-approve", "--lock-timeout", "1s"]);
      expect(next.code).toBe(1);
      expect(next.stderr).toContain("state.locked");
      expect(next.stderr).toContain(`pid ${paused.pid ?? 0}`);
      paused.kill("SIGCONT");
      await new Promise((resolve) => paused.once("close", resolve));
      await setSandboxFaults(fixture.sandbox.url, {});
      expect(paused.output().code).toBe(0);
      expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
      expect(await readOrderNames(project)).toEqual(NAMES);
    }, 60_000);

  if (backend !== "local")
    it("force-unlock breaks the lease; the holder is fenced out and buys nothing more", async () => {
      const section = createStateSection(backend);
      const a = await createCheckout(section);
      const b = await createCheckout(section);
      await setSandboxFaults(fixture.sandbox.url, {
        latency: { fixedMs: 2000, route: { method: "POST", pathPattern: "/orders$" } },
      });
      const holder = a.spawn(["apply", "--auto-approve", "--json", "--parallelism", "1"]);
      await waitForOutput(holder, '"order_started"');
      const locked = await b.run(["apply", "--auto-approve"]);
      const lockId = /lock id ([0-9a-f-]{36})/.exec(locked.stderr)?.[1] ?? "";
      expect(lockId).not.toBe("");
      expect((await b.run(["force-unlock", lockId])).code).toBe(0);
      await new Promise((resolve) => holder.once("close", resolve));
      await setSandboxFaults(fixture.sandbox.url, {});
      expect(holder.output().stderr).toContain("state.lock-lost");
      const next = await b.run(["apply", "--auto-approve"]);
      expect(next.code).toBe(0);
      expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(3);
      expect(await readOrderNames(b)).toEqual(NAMES);
    }, 90_000);
});

describe.each(BACKENDS.filter((b) => b !== "local"))("state migrate into %s", (backend) => {
  it("copies the state and its whole history, keeps lineage and serials, and leaves the source as it was", async () => {
    const project = await createCheckout(createStateSection("local"));
    expect((await project.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await project.run(["state", "rm", "tailspin/legacy"])).code).toBe(0);
    const sourceFile =
      (await readFile(join(project.dir, "orderform.config.yaml"), "utf8")).match(/path: (\S+)/)?.[1] ?? "";
    const before = await readFile(join(project.dir, sourceFile), "utf8");
    const sourceHistory = (await project.run(["state", "history", "--json"])).stdout;

    const target = createStateSection(backend);
    const config = await readFile(join(project.dir, "orderform.config.yaml"), "utf8");
    await writeFile(join(project.dir, "target.yaml"), replaceStateSection(config, target));
    const migrate = await project.run(["state", "migrate", "--to", "target.yaml"]);
    expect(migrate.stderr).toBe("");
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain("Copied 2 state version(s) (serials 1-2");
    expect(await readFile(join(project.dir, sourceFile), "utf8")).toBe(before);

    const migrated = ["--config", "target.yaml"];
    const history = (await project.run([...migrated, "state", "history", "--json"])).stdout;
    expect(JSON.parse(history)).toEqual(JSON.parse(sourceHistory));
    expect((await project.run([...migrated, "state", "show", "contoso/seats", "--json"])).code).toBe(0);
    // The order state rm forgot is blocked as an untracked duplicate, as it was before the move.
    expect((await project.run([...migrated, "plan"])).stdout).toContain("plan.untracked-duplicate");

    // A second project's state cannot be migrated over it.
    const other = await createCheckout(createStateSection("local"));
    expect(
      (
        await other.run([
          "apply",
          "--auto-approve",
          "--allow-duplicate",
          "contoso/seats",
          "--allow-duplicate",
          "fabrikam/seats",
          "--allow-duplicate",
          "tailspin/legacy",
        ])
      ).code,
    ).toBe(0);
    await writeFile(join(other.dir, "target.yaml"), replaceStateSection(config, target));
    const refused = await other.run(["state", "migrate", "--to", "target.yaml"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("state.migrate-other-lineage");
  }, 90_000);
});

describe("bad backend input: a clear error, the same from plan as from state list, nothing bought", () => {
  const cases: { name: string; section: () => string; env?: () => Record<string, string>; says: RegExp }[] = [
    {
      name: "azblob with a wrong key",
      section: () => createStateSection("azblob"),
      env: () => ({ ORDERFORM_TEST_STORAGE_KEY: Buffer.from("not the key").toString("base64") }),
      says: /state\.backend-auth-failed/,
    },
    {
      name: "azblob with a missing container",
      section: () => createStateSection("azblob").replace("/orderform-e2e", "/no-such-container"),
      says: /state\.backend-missing/,
    },
    {
      name: "azblob unreachable",
      section: () => createStateSection("azblob").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"),
      says: /state\.backend-unreachable/,
    },
    {
      name: "a backend secret that is not set",
      section: () => createStateSection("azblob"),
      env: () => ({ ORDERFORM_TEST_STORAGE_KEY: "" }),
      says: /ORDERFORM_TEST_STORAGE_KEY.*state\.backend-secret-missing/,
    },
  ];
  if (hasPostgres) {
    cases.push(
      {
        name: "pg unreachable",
        section: () => createStateSection("pg"),
        env: () => ({ ORDERFORM_TEST_PG_URL: "postgres://postgres@127.0.0.1:9/postgres" }),
        says: /state\.backend-unreachable/,
      },
      {
        name: "pg with a missing database",
        section: () => createStateSection("pg"),
        // Evaluated when the test runs: the server starts in beforeAll.
        env: () => ({
          ORDERFORM_TEST_PG_URL: `${fixture.postgres?.url.replace(/\/postgres$/, "") ?? ""}/no_such_db`,
        }),
        says: /state\.backend-missing/,
      },
    );
  }
  it.each(cases)(
    "$name",
    async ({ section, env, says }) => {
      const project = await createCheckout(section());
      Object.assign(project.env, env?.() ?? {});
      const apply = await project.run(["apply", "--auto-approve"]);
      expect(apply.code).toBe(1);
      expect(apply.stderr).toMatch(says);
      expect(apply.stderr).not.toContain(AZURITE_KEY);
      expect(apply.stderr).not.toMatch(/\n\s+at /); // no stack trace
      // plan reads state on a worker (src/state/state-worker.ts): state list's error, read in-thread.
      const plan = await project.run(["plan"]);
      expect(plan).toEqual(await project.run(["state", "list"]));
      expect(plan.code).toBe(1);
      expect(plan.stderr).toMatch(says);
      expect(await listSandboxOrders(fixture.sandbox.url)).toHaveLength(0);
    },
    60_000,
  );
});
