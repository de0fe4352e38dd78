/**
 * Azurite (Microsoft's Azure Storage emulator, an npm devDependency) for tests: the blob service on
 * a free loopback port, in memory, with telemetry off. Authenticate with the emulator's documented
 * development account (shared key) or with SAS tokens made from it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The emulator's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** @returns {Promise<import('./azurite-server.mjs').RunningAzurite>} */
export async function startAzurite() {
  const workdir = await mkdtemp(join(tmpdir(), "orderform-azurite-"));
  const child = spawn(
    join(REPO_ROOT, "node_modules/.bin/azurite-blob"),
    [
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      "--inMemoryPersistence",
      "--disableTelemetry",
      "--skipApiVersionCheck",
    ],
    // Its debug log and any leftovers go to a folder of its own, not the repository.
    { cwd: workdir, stdio: ["ignore", "pipe", "pipe"] },
  );
  const url = await new Promise((resolvePromise, reject) => {
    let output = "";
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /successfully listens on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1] !== undefined) resolvePromise(match[1]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`azurite exited (${String(code)}): ${output}`)));
    child.once("error", reject);
  });
  return {
    accountUrl: `${url}/${AZURITE_ACCOUNT}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(workdir, { recursive: true, force: true });
    },
  };
}
