import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createLocalStateStore } from "../../../src/state/local-store.js";
import { createOrder } from "./fixtures.js";

// The child runs the built store (dist/), as the CLI does; `npm test` builds first.
const DIST_STORE = resolve("dist/state/local-store.js");

const CHILD = `
const { createLocalStateStore } = await import(process.env.STORE_URL);
const store = createLocalStateStore({ rootDir: process.env.STATE_DIR, path: "orderform.state.json" });
const session = await store.open("apply", { timeoutMs: 0 });
const order = JSON.parse(process.env.ORDER);
for (let i = 0; ; i += 1) {
  const name = "o" + i;
  await session.append({ type: "intent", intent: { name, customer: order.customer, requestId: "r" + i, startedAt: order.recordedAt, content: order.applied } });
  await session.append({ type: "created", order: { ...order, name, orderId: "id-" + i } });
  process.stdout.write(name + "\\n");
}
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-kill-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a run killed with SIGKILL while appending", () => {
  it.runIf(existsSync(DIST_STORE))(
    "loses no acknowledged record: the next run recovers every one into a valid state",
    async () => {
      for (const killAfter of [1, 7, 23]) {
        const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], {
          env: {
            ...process.env,
            STORE_URL: pathToFileURL(DIST_STORE).href,
            STATE_DIR: dir,
            ORDER: JSON.stringify(createOrder("x")),
          },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const acknowledged: string[] = [];
        let buffered = "";
        const exited = new Promise((done) => child.once("exit", done));
        child.stdout.on("data", (chunk: Buffer) => {
          buffered += chunk.toString("utf8");
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          acknowledged.push(...lines);
          if (acknowledged.length >= killAfter) child.kill("SIGKILL");
        });
        await exited;
        expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);

        // The killed run's lock is taken over by the next run on this host, which recovers its journal.
        const notices: string[] = [];
        const store = createLocalStateStore({
          rootDir: dir,
          path: "orderform.state.json",
          notify: (text) => notices.push(text),
        });
        const session = await store.open("apply", { timeoutMs: 0 });
        const state = session.current();
        for (const name of acknowledged) expect(state.orders[name]?.orderId).toBe(`id-${name.slice(1)}`);
        await session.release();
        expect(notices.join("")).toContain(`pid ${child.pid ?? 0}`);
        const last = (await store.listHistory()).at(-1);
        expect(last?.command).toBe("lock takeover");
        expect(last?.summary).toContain("recovered");
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
