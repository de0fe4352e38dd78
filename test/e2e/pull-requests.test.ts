/**
 * The pull-request loop end to end, the built CLI against a real sandbox over loopback: the plan's
 * markdown in the step summary and in comment-sized part files, each with its hidden marker;
 * Terraform's one-dash spellings; --json errors as JSON on stdout; apply's CI lines.
 */
import { execFile } from "node:child_process";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CONTOSO,
  LICENSE_OFFER,
  createOrderYaml,
  listSandboxOrders,
  setSandboxFaults,
  useSandboxProject,
  writeStandardOrders,
} from "./helpers.js";

const env = useSandboxProject();
beforeEach(async () => {
  await writeStandardOrders(env.project);
});

const MIB = 1024 * 1024;

describe("plan in a pull request", () => {
  it("takes Terraform's one-dash flags, appends the markdown to the step summary and writes marked parts", async () => {
    const summary = join(env.project.dir, "summary.md");
    await writeFile(summary, "## an earlier step\n");
    const plan = await env.project.run(
      ["plan", "-detailed-exitcode", "-out=tfplan.json", "--markdown-out", "md", "--markdown-id", "prod"],
      { env: { GITHUB_STEP_SUMMARY: summary } },
    );
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("Plan: 3 to create");
    expect((await stat(join(env.project.dir, "tfplan.json"))).isFile()).toBe(true);
    const text = await readFile(summary, "utf8");
    expect(
      text.startsWith("## an earlier step\n<!-- orderform:plan id=prod part=1/1 -->\n### orderform plan\n"),
    ).toBe(true);
    expect(await readdir(join(env.project.dir, "md"))).toEqual(["plan-part-1.md"]);
    const part = await readFile(join(env.project.dir, "md", "plan-part-1.md"), "utf8");
    expect(part.startsWith("<!-- orderform:plan id=prod part=1/1 -->\n### orderform plan\n")).toBe(true);
    expect(part).toContain("contoso/seats");

    const applied = await env.project.run(["apply", "tfplan.json", "-auto-approve"]);
    expect(applied.code).toBe(0);
    expect(await listSandboxOrders(env.sandbox.url)).toHaveLength(3);
  });

  it("splits a large plan into parts under GitHub's comment limit and keeps the step summary under 1 MiB", async () => {
    const docs = Array.from({ length: 600 }, (_, i) =>
      createOrderYaml(`contoso/order-${String(i).padStart(3, "0")}`, CONTOSO, LICENSE_OFFER, 1 + (i % 9)),
    );
    await env.project.writeOrder("many.yaml", docs.join("---\n"));
    const summary = join(env.project.dir, "summary.md");
    // An earlier step left the summary nearly full: only part of the plan fits.
    await writeFile(summary, "x".repeat(MIB - 70_000) + "\n");
    const plan = await env.project.run(["plan", "--markdown-out", "md"], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(plan.code).toBe(0);
    const files = (await readdir(join(env.project.dir, "md"))).sort();
    expect(files.length).toBeGreaterThan(1);
    for (const [i, file] of files.entries()) {
      const part = await readFile(join(env.project.dir, "md", file), "utf8");
      expect(part.length).toBeLessThan(65_536);
      expect(part.startsWith(`<!-- orderform:plan id=. part=${i + 1}/${files.length} -->\n`)).toBe(true);
    }
    const size = (await stat(summary)).size;
    expect(size).toBeLessThanOrEqual(MIB);
    const text = await readFile(summary, "utf8");
    expect(text).toContain(`<!-- orderform:plan id=. part=1/${files.length} -->`);
    expect(text).toContain(`of ${files.length} plan parts left out`);

    // A smaller plan later clears the parts the larger one left.
    await env.project.removeOrder("many.yaml");
    expect((await env.project.run(["plan", "--markdown-out", "md"])).code).toBe(0);
    expect(await readdir(join(env.project.dir, "md"))).toEqual(["plan-part-1.md"]);
  });

  it("refuses a one-dash word that names no option, with the nearest one", async () => {
    const result = await env.project.run(["plan", "-detailed-exitcod"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown option -detailed-exitcod  [cli.unknown-option]");
    expect(result.stderr).toContain("did you mean --detailed-exitcode?");
  });
});

describe("--json means JSON, errors too", () => {
  interface JsonFailure {
    ok: boolean;
    diagnostics: { code: string; message: string }[];
  }
  const failsWith = async (args: string[], code: string): Promise<void> => {
    const result = await env.project.run(args);
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout) as JsonFailure;
    expect(body.ok).toBe(false);
    expect(body.diagnostics.map((d) => d.code)).toContain(code);
  };

  it("plan, apply, import, state and force-unlock print their errors as one JSON document on stdout", async () => {
    await failsWith(["plan", "--json", "--customer", "not-a-guid"], "cli.invalid-customer");
    await failsWith(["apply", "missing.plan", "--json"], "plan.file-unreadable");
    // apply --json is a stream of JSON lines: its error is one line too.
    const bad = await env.project.run(["apply", "-json", "-auto-approve", "--customer", "not-a-guid"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      diagnostics: [{ code: "cli.invalid-customer" }],
    });
    await failsWith(["import", "nope/none", "0123", "--json"], "import.not-declared");
    await failsWith(["state", "rm", "nope/none", "--json"], "state.not-found");
    await failsWith(["state", "show", "nope/none", "-json"], "state.not-found");
    await failsWith(["force-unlock", "no-such-lock", "--json"], "state.lock-not-found");
  });

  it("a command line that does not parse is JSON too, and stderr keeps commander's words", async () => {
    await failsWith(["plan", "--json", "--bogus"], "cli.usage");
    await failsWith(["state", "rm", "--json"], "cli.usage");
    await failsWith(["--json", "no-such-command"], "cli.usage");
    await failsWith(["plan", "-jsn", "-json"], "cli.unknown-option");
    const refused = await env.project.run(["plan", "--json", "--bogus"]);
    expect(refused.stderr).toContain("error: unknown option '--bogus'");
    // Without --json, stdout stays empty.
    expect((await env.project.run(["plan", "--bogus"])).stdout).toBe("");
  });

  it("state rm prints its outcome as JSON", async () => {
    expect((await env.project.run(["apply", "-auto-approve"])).code).toBe(0);
    await env.project.removeOrder("tailspin.yaml");
    const removed = await env.project.run(["state", "rm", "tailspin/legacy", "--json"]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ ok: true, removed: "tailspin/legacy" });
  });
});

describe("apply in CI", () => {
  it("prints one line per order when it starts and when it ends, with its id, and a heartbeat on long waits", async () => {
    await setSandboxFaults(env.sandbox.url, {
      latency: { fixedMs: 600, jitterMs: 0, route: { method: "POST", pathPattern: "/orders$" } },
    });
    const result = await env.project.run(["apply", "-auto-approve"], {
      env: { ORDERFORM_HEARTBEAT_MS: "100" },
    });
    expect(result.code).toBe(0);
    const state = (await env.project.readState()) as { orders: Record<string, { orderId: string }> };
    for (const name of ["contoso/seats", "tailspin/legacy", "fabrikam/seats"]) {
      const lines = result.stdout.split("\n").filter((l) => l.startsWith(`${name}: `));
      expect(lines[0]).toMatch(/^[^:]+: Creating\.\.\. \[customer [0-9a-f-]+, MS-RequestId [0-9a-f-]+\]$/);
      expect(lines.some((l) => l.startsWith(`${name}: Still creating... [`))).toBe(true);
      expect(lines.at(-1)).toMatch(
        new RegExp(`^${name}: Creation complete after \\d+s \\[id=${state.orders[name]?.orderId ?? "?"}\\]$`),
      );
    }
    expect(result.stdout).not.toContain("MS-CorrelationId");
  });

  it("names the order on each retry", async () => {
    await setSandboxFaults(env.sandbox.url, {
      seed: 7,
      throttle: {
        probability: 0.5,
        retryAfterSeconds: 0,
        route: { method: "POST", pathPattern: "/orders$" },
      },
    });
    const result = await env.project.run(["apply", "-auto-approve"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^(contoso|tailspin|fabrikam)\/[a-z]+: Retrying after .*429.* \(attempt \d+, waiting /m,
    );
    expect(await listSandboxOrders(env.sandbox.url)).toHaveLength(3);
  });
});

describe("history of an apply", () => {
  interface HistoryItem {
    serial: number;
    command: string;
    ordersWorktree?: string;
  }
  const readHistory = async (): Promise<HistoryItem[]> =>
    JSON.parse((await env.project.run(["state", "history", "--json"])).stdout) as HistoryItem[];
  const git = async (args: string[]): Promise<void> => {
    await promisify(execFile)("git", args, { cwd: env.project.dir });
  };

  it("records whether the order files had uncommitted changes, and unknown outside a git work tree", async () => {
    expect((await env.project.run(["apply", "-auto-approve"])).code).toBe(0);
    expect((await readHistory()).at(-1)?.ordersWorktree).toBe("unknown");

    await git(["init", "-q"]);
    await git(["add", "orders"]);
    await git(["-c", "user.email=e2e@example.com", "-c", "user.name=e2e", "commit", "-qm", "orders"]);
    await env.project.writeOrder("contoso.yaml", createOrderYaml("contoso/seats", CONTOSO, LICENSE_OFFER, 9));
    expect((await env.project.run(["apply", "-auto-approve"])).code).toBe(0);
    expect((await readHistory()).at(-1)).toMatchObject({ command: "apply", ordersWorktree: "dirty" });
    expect((await env.project.run(["state", "history"])).stdout).toMatch(
      /apply: .*\[uncommitted order files\]\n$/,
    );

    await git(["-c", "user.email=e2e@example.com", "-c", "user.name=e2e", "commit", "-qam", "nine seats"]);
    expect((await env.project.run(["apply", "-auto-approve"])).code).toBe(0);
    expect((await readHistory()).at(-1)?.ordersWorktree).toBe("clean");
  });
});
