/**
 * loadOrdersOnWorker (src/manifests/order-files-worker.ts) against loadOrders: for every kind of
 * project, the worker's result is the one loadOrders returns, orders and diagnostics in the same
 * order. The worker runs from the built dist/ only (its entry is resolved next to the module), so
 * the built module is tested; `npm test` builds first.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrders, type LoadedOrders, type OrderFilesSource } from "../../../src/manifests/load-orders.js";
import type * as OrderFilesWorker from "../../../src/manifests/order-files-worker.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const DIST_MODULE = pathToFileURL(path.join(ROOT, "dist/manifests/order-files-worker.js")).href;
const { loadOrdersOnWorker } = (await import(DIST_MODULE)) as typeof OrderFilesWorker;

const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
const FABRIKAM = "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13";
const TAILSPIN = "f81d98dd-c2f4-499e-a194-5619e260344e";
const CUSTOMERS = [TAILSPIN, CONTOSO, FABRIKAM];
/** More than twice the worker's batch (BATCH_ORDERS, 500 orders): several batches are posted. */
const MANY_ORDERS = 1_200;
const IS_ROOT = process.getuid?.() === 0;

function createOrderYaml(name: string, customer: string, quantity = 1): string {
  return [
    `name: ${name}`,
    `customer: ${customer}`,
    "billingCycle: monthly",
    "lineItems:",
    '  - offerId: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P"',
    `    quantity: ${quantity}`,
    "    termDuration: P1M",
    "    provisioningContext: { domain: contoso.example }",
    "",
  ].join("\n");
}

const temporary: string[] = [];

/** A new project root holding `files` (root-relative path -> text). */
function createProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "orderform-worker-"));
  temporary.push(dir);
  mkdirSync(path.join(dir, "orders"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/**
 * 300 files of four documents each, customers interleaved so that the sort moves every order, a
 * name declared in the first and in the last file (ambiguous across batches), and an invalid
 * order every fiftieth file (diagnostics between batches).
 */
function createManyOrdersProject(): string {
  const files: Record<string, string> = {};
  for (let f = 0; f < MANY_ORDERS / 4; f += 1) {
    const documents = [0, 1, 2, 3].map((d) =>
      createOrderYaml(`team-${String(f).padStart(3, "0")}/o${d}`, CUSTOMERS[(f + d) % 3]!, d + 1),
    );
    if (f === 0 || f === MANY_ORDERS / 4 - 1) documents.push(createOrderYaml("shared/twice", CONTOSO));
    if (f % 50 === 7) documents.push("name: broken/order\ncustomer: not-a-guid\n");
    files[`orders/part-${String(f).padStart(3, "0")}.yaml`] = documents.join("---\n");
  }
  return createProject(files);
}

function createSource(rootDir: string, orders: string): OrderFilesSource {
  return { rootDir, config: { orders } };
}

/** Loads `source` on the worker and in this thread; the two must be the same, in the same order. */
async function loadBoth(source: OrderFilesSource): Promise<LoadedOrders> {
  const onWorker = await loadOrdersOnWorker(source).result;
  const inThread = await loadOrders(source);
  expect(onWorker).toStrictEqual(inThread);
  // toStrictEqual ignores the order of object keys; the serialized form does not.
  expect(JSON.stringify(onWorker)).toBe(JSON.stringify(inThread));
  return inThread;
}

const codesOf = (loaded: LoadedOrders): string[] => loaded.diagnostics.map((d) => d.code);

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe("loadOrdersOnWorker returns what loadOrders returns", () => {
  let many: string;
  beforeAll(() => {
    many = createManyOrdersProject();
  });

  it("for the valid fixture corpus", async () => {
    const loaded = await loadBoth(createSource(ROOT, "test/fixtures/orders-valid"));
    expect(loaded.orders.length).toBeGreaterThanOrEqual(3);
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("for the invalid fixture corpus (one diagnostic per file, each with its source line)", async () => {
    const loaded = await loadBoth(createSource(ROOT, "test/fixtures/orders-invalid"));
    expect(loaded.diagnostics.length).toBeGreaterThanOrEqual(40);
    expect(loaded.diagnostics.every((d) => d.sourceLine !== undefined || d.line === undefined)).toBe(true);
  });

  it("for both corpora through a glob `orders:` pattern", async () => {
    const loaded = await loadBoth(createSource(ROOT, "test/fixtures/orders-*/**/*.{yaml,yml}"));
    expect(loaded.files.some((f) => f.endsWith(".yml"))).toBe(true);
    expect(loaded.files.some((f) => f.startsWith("test/fixtures/orders-invalid/"))).toBe(true);
  });

  it("for names declared in several files (every declaration of such a name left out)", async () => {
    const root = createProject({
      "orders/a.yaml":
        createOrderYaml("contoso/seats", CONTOSO) + "---\n" + createOrderYaml("a/only", CONTOSO),
      "orders/b.yaml": createOrderYaml("contoso/seats", FABRIKAM, 2),
      "orders/c/d.yaml":
        createOrderYaml("contoso/seats", TAILSPIN, 3) + "---\n" + createOrderYaml("c/only", TAILSPIN),
    });
    const loaded = await loadBoth(createSource(root, "orders"));
    expect(loaded.orders.map((o) => o.name)).toEqual(["a/only", "c/only"]);
    expect(codesOf(loaded)).toEqual(["order.duplicate-name", "order.duplicate-name"]);
    // Each later declaration points back at the first one.
    for (const d of loaded.diagnostics) expect(d.message).toContain("already declared at orders/a.yaml:1:1");
  });

  it("for a YAML syntax error among valid files", async () => {
    const root = createProject({
      "orders/a.yaml": createOrderYaml("a/one", CONTOSO),
      "orders/b.yaml": "name: [unclosed\ncustomer: {\n",
      "orders/c.yaml": createOrderYaml("c/one", FABRIKAM),
    });
    const loaded = await loadBoth(createSource(root, "orders"));
    // By customer, then name: fabrikam's id sorts before contoso's.
    expect(loaded.orders.map((o) => o.name)).toEqual(["c/one", "a/one"]);
    expect(loaded.diagnostics.length).toBeGreaterThan(0);
    expect(loaded.diagnostics.every((d) => d.file === "orders/b.yaml")).toBe(true);
  });

  it.skipIf(IS_ROOT)("for a file that cannot be read (mode 000) among readable ones", async () => {
    const root = createProject({
      "orders/a.yaml": createOrderYaml("a/one", CONTOSO),
      "orders/b.yaml": createOrderYaml("b/one", CONTOSO),
    });
    chmodSync(path.join(root, "orders/b.yaml"), 0o000);
    const loaded = await loadBoth(createSource(root, "orders"));
    expect(codesOf(loaded)).toEqual(["order.unreadable"]);
  });

  // Root reads a file of mode 000; a read of /proc/self/mem fails (EIO) for anyone.
  it.runIf(process.platform === "linux")("for a file whose read fails (EIO)", async () => {
    const loaded = await loadBoth(createSource(ROOT, "/proc/self/mem"));
    expect(codesOf(loaded)).toEqual(["order.unreadable"]);
    expect(loaded.diagnostics[0]?.message).toContain("EIO");
  });

  it("for an empty orders directory (a warning) and a missing one (an error)", async () => {
    const root = createProject({ "orders/README.md": "no orders here\n" });
    expect(codesOf(await loadBoth(createSource(root, "orders")))).toEqual(["config.no-order-files"]);
    expect(codesOf(await loadBoth(createSource(root, "missing")))).toEqual(["config.orders-not-found"]);
    expect(codesOf(await loadBoth(createSource(root, "missing/**/*.yaml")))).toEqual([
      "config.orders-not-found",
    ]);
  });

  it(`for ${MANY_ORDERS} orders in 300 files, posted in several batches`, async () => {
    // Node announces every worker it starts ('worker' on process): its messages are watched.
    const kinds: string[] = [];
    process.once("worker", (worker) =>
      worker.on("message", (message: OrderFilesWorker.OrderFilesWorkerMessage) => kinds.push(message.kind)),
    );
    const loaded = await loadBoth(createSource(many, "orders"));
    expect(kinds.filter((kind) => kind === "batch").length).toBeGreaterThanOrEqual(3);
    expect(kinds.at(-1)).toBe("done");
    expect(loaded.orders).toHaveLength(MANY_ORDERS);
    expect(loaded.files).toHaveLength(MANY_ORDERS / 4);
    expect(loaded.orders.some((o) => o.name === "shared/twice")).toBe(false);
    expect(codesOf(loaded).filter((c) => c === "order.duplicate-name")).toHaveLength(1);
    expect(loaded.diagnostics.length).toBeGreaterThan(6);
  });

  it("stop() before the end rejects the result; stop() after the end changes nothing", async () => {
    const stopped = loadOrdersOnWorker(createSource(many, "orders"));
    stopped.stop();
    stopped.stop();
    await expect(stopped.result).rejects.toThrow("the order files worker was stopped");

    const finished = loadOrdersOnWorker(createSource(many, "orders"));
    const result = await finished.result;
    finished.stop();
    expect(await finished.result).toBe(result);
    expect(result.orders).toHaveLength(MANY_ORDERS);
  });

  it("a process that stops a load at once ends on its own: the worker posts nothing more and exits", async () => {
    // Node announces every worker it starts ('worker' on process): the child watches the load's
    // worker for its messages and its exit. Stopped before it could read a file, the worker
    // must never post "done"; a worker left running would post it, and would hold the process.
    const script = `
      const { loadOrdersOnWorker } = await import(${JSON.stringify(DIST_MODULE)});
      const kinds = [];
      process.once("worker", (worker) => {
        worker.on("message", (message) => kinds.push(message.kind));
        worker.on("error", (error) => console.log("worker error", error.stack));
        worker.once("exit", () => console.log("worker exited; it posted", JSON.stringify(kinds)));
      });
      const load = loadOrdersOnWorker(${JSON.stringify(createSource(many, "orders"))});
      load.stop();
      console.log(await load.result.then(() => "resolved", (error) => error.message));
    `;
    // A file, not --eval: a worker inherits its parent's flags, and --input-type fails in one.
    const file = path.join(many, "stop-at-once.mjs");
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file], { stdio: "pipe" });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(out).toMatch(/^the order files worker was stopped\nworker exited; it posted \[("batch",?)*\]\n$/);
    expect(code).toBe(0);
  });
});
