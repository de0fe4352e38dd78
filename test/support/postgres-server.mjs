/**
 * A real PostgreSQL server for tests, started from the machine's server binaries (Debian's
 * `postgresql` package) in a temporary folder on a free loopback port, and removed afterwards.
 *
 * The binaries are found through ORDERFORM_PG_BINDIR (set by .ci/run), `pg_config --bindir`, or
 * /usr/lib/postgresql/<version>/bin. initdb refuses to run as root, so under root the server runs as
 * the `postgres` user. fsync is off: the tests kill processes, not machines.
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What to tell a developer whose machine has no PostgreSQL server binaries. */
export const POSTGRES_MISSING_HINT =
  "PostgreSQL server binaries were not found (set ORDERFORM_PG_BINDIR, or install Debian's `postgresql` package: `apt-get install postgresql`).";

/** @returns {string | undefined} */
export function findPostgresBinDir() {
  const candidates = [];
  if (process.env.ORDERFORM_PG_BINDIR) candidates.push(process.env.ORDERFORM_PG_BINDIR);
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // no pg_config on PATH
  }
  try {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not a Debian layout
  }
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

/** @returns {Promise<number>} */
async function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** @returns {Promise<import('./postgres-server.mjs').RunningPostgres>} */
export async function startPostgres() {
  const bindir = findPostgresBinDir();
  if (bindir === undefined) throw new Error(POSTGRES_MISSING_HINT);
  const dir = await mkdtemp(join(tmpdir(), "orderform-pg-"));
  const asRoot = process.getuid?.() === 0;
  const as = async (file, args) => {
    if (asRoot) {
      const quoted = [file, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
      await run("su", ["postgres", "-s", "/bin/sh", "-c", quoted]);
    } else {
      await run(file, args);
    }
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  await as(join(bindir, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  let port;
  for (let attempt = 1; ; attempt += 1) {
    port = await findFreePort();
    try {
      await as(join(bindir, "pg_ctl"), [
        "-D",
        data,
        "-l",
        join(dir, "server.log"),
        "-w",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
        "start",
      ]);
      break;
    } catch (error) {
      if (attempt >= 3) throw error; // the free port was taken meanwhile: try another
    }
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      await as(join(bindir, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
