// Shared pieces of the benchmarks: a sandbox in its own process, a project pointed at it, the
// built CLI run as a child process (wall time and peak RSS), and result reporting for run-all.mjs.
// Loopback only. Everything here imports from dist/: build first (`npx tsc -p tsconfig.build.json`).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CLI = join(ROOT, "dist/cli/main.js");
export const SANDBOX_TENANT = "00000000-0000-4000-8000-000000000001";
export const SANDBOX_CLIENT_ID = "orderform-sandbox";
export const SANDBOX_SECRET = "sandbox-secret";
export const LICENSE_OFFER = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
const SECRET_ENV = "ORDERFORM_BENCH_SECRET";
const TIME_BIN = "/usr/bin/time";

/** A deterministic lower-case GUID per index (a valid v4 shape). */
export function createCustomerId(i) {
  return `${i.toString(16).padStart(8, "0")}-bbbb-4ccc-8ddd-000000000000`;
}

/**
 * Starts a sandbox in a child process. `options` are startSandbox options (see SandboxOptions in
 * src/sandbox/context.ts); the child is test/bench/lib/sandbox-child.mjs, so options the CLI has no
 * flag for (rateLimitKey) can be set too.
 */
export async function startSandboxProcess(options = {}) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "test/bench/lib/sandbox-child.mjs"), JSON.stringify(options)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let buffered = "";
  const url = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      buffered += String(chunk);
      const match = /listening on (\S+)/.exec(buffered);
      if (match) {
        child.stdout.off("data", onData);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code} before listening`)));
  });
  child.stdout.resume();
  return {
    url,
    pid: child.pid,
    async close() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Starts the sandbox exactly as a user would: `orderform sandbox --port 0 [flags]`. */
export async function startCliSandbox(flags = []) {
  const child = spawn(process.execPath, [CLI, "sandbox", "--port", "0", ...flags], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [first] = await once(child.stdout, "data");
  const url = /listening on (\S+)/.exec(String(first))?.[1];
  if (url === undefined) throw new Error(`unexpected sandbox output: ${String(first)}`);
  child.stdout.resume();
  return {
    url,
    pid: child.pid,
    async close() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

export async function fetchJson(url, method = "GET", body) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** The sandbox's request counters: { total, routes: { "GET /v1/...": { "200": n } } }. */
export async function readSandboxStats(url) {
  return fetchJson(`${url}/_sandbox/stats`);
}

/** Counts per route and status between two stats snapshots. */
export function diffStats(before, after) {
  const out = {};
  for (const [route, counts] of Object.entries(after.routes)) {
    for (const [status, n] of Object.entries(counts)) {
      const delta = n - (before.routes[route]?.[status] ?? 0);
      if (delta !== 0) (out[route] ??= {})[status] = delta;
    }
  }
  return out;
}

export function sumStats(diff, predicate) {
  let total = 0;
  for (const [route, counts] of Object.entries(diff))
    for (const [status, n] of Object.entries(counts)) if (predicate(route, status)) total += n;
  return total;
}

/** A temporary project (config + empty orders/) pointed at the sandbox at `url`. */
export async function createProject(url, extraConfig = []) {
  const dir = await mkdtemp(join(tmpdir(), "orderform-bench-"));
  await mkdir(join(dir, "orders"), { recursive: true });
  await writeFile(
    join(dir, "orderform.config.yaml"),
    [
      `endpoint: ${url}`,
      "auth:",
      "  mode: app",
      `  tenantId: ${SANDBOX_TENANT}`,
      `  clientId: ${SANDBOX_CLIENT_ID}`,
      `  clientSecretEnv: ${SECRET_ENV}`,
      `  authorityHost: ${url}`,
      "state:",
      "  backend: local",
      "  path: orderform.state.json",
      ...extraConfig,
    ].join("\n") + "\n",
  );
  return dir;
}

export function createCliEnv() {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: "true",
    NO_COLOR: "1",
    [SECRET_ENV]: SANDBOX_SECRET,
  };
}

/**
 * Runs a node script in `cwd` and measures wall time (spawn to exit) and peak RSS in bytes:
 * from `/usr/bin/time -f %M` when present (exact high-water mark), else VmHWM polled from /proc.
 * `onLine` sees stdout line by line (with arrival time) when given. `cpuMs` (user + system CPU of
 * the child) comes from `/usr/bin/time` only; undefined without it.
 */
export async function runNode(args, { cwd = ROOT, env = createCliEnv(), onLine, input = "" } = {}) {
  const useTime = existsSync(TIME_BIN);
  const argv = useTime
    ? [TIME_BIN, ["-f", "BENCH_CPU_S=%U+%S BENCH_MAXRSS_KB=%M", process.execPath, ...args]]
    : [process.execPath, args];
  const started = performance.now();
  const child = spawn(argv[0], argv[1], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end(input);
  let stdout = "";
  let stderr = "";
  let partial = "";
  child.stdout.on("data", (chunk) => {
    const text = String(chunk);
    stdout += text;
    if (onLine) {
      const now = performance.now();
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop();
      for (const line of lines) onLine(line, now);
    }
  });
  child.stderr.on("data", (chunk) => (stderr += String(chunk)));
  let polledKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(async () => {
        try {
          const status = await readFile(`/proc/${child.pid}/status`, "utf8");
          const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          polledKb = Math.max(polledKb, kb);
        } catch {
          // The process exited between two polls.
        }
      }, 20);
  const [code] = await once(child, "close");
  const ms = performance.now() - started;
  if (poll) clearInterval(poll);
  let peakKb = polledKb;
  let cpuMs;
  const match = /BENCH_CPU_S=([\d.]+)\+([\d.]+) BENCH_MAXRSS_KB=(\d+)\s*$/.exec(stderr);
  if (match) {
    cpuMs = (Number(match[1]) + Number(match[2])) * 1000;
    peakKb = Number(match[3]);
    stderr = stderr.slice(0, match.index);
  }
  return { code, ms, stdout, stderr, peakRssBytes: peakKb * 1024, cpuMs };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The last line of every benchmark script: machine-readable, picked up by run-all.mjs. */
export function printResult(result) {
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}
