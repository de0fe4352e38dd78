/**
 * The README's examples that show output are held to the real output: each ```text block marked
 * with an `<!-- example:NAME -->` line is compared with what the built CLI prints for that example,
 * run on a copy of this repository's own orders and config (the in-process sandbox, as the quick
 * start runs it). Order ids, subscription ids and times differ between runs and are compared as
 * placeholders.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "./helpers.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "orderform-readme-"));
  await cp(join(REPO_ROOT, "orders"), join(dir, "orders"), { recursive: true });
  await cp(join(REPO_ROOT, "orderform.config.yaml"), join(dir, "orderform.config.yaml"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

async function readExample(name: string): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const match = new RegExp(`<!-- example:${name} -->\\n\`\`\`text\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
  if (match?.[1] === undefined) throw new Error(`README.md has no example:${name} block`);
  return match[1];
}

/** Ids and times that differ between runs, as placeholders; everything else as printed. */
function normalize(text: string): string {
  return text
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/subscription [0-9a-f]{8}-[0-9a-f-]{27}/g, "subscription <id>")
    .replace(/order [0-9a-f]{12}\b/g, "order <id>");
}

async function editOrderFile(from: string, to: string): Promise<void> {
  const file = join(dir, "orders/contoso/m365-business.yaml");
  const text = await readFile(file, "utf8");
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

describe("the README's examples", () => {
  it("validate: a wrong-case key", async () => {
    await editOrderFile("    quantity: 20", "    Quantity: 20");
    const run = await runCli(["validate"]);
    expect(run.code).toBe(1);
    expect(run.output).toBe(await readExample("validate"));
  });

  it("plan: a seat change in place", async () => {
    expect((await runCli(["apply", "--auto-approve"])).code).toBe(0);
    await editOrderFile("    quantity: 20", "    quantity: 22");
    const run = await runCli(["plan", "--detailed-exitcode"]);
    expect(run.code).toBe(2);
    expect(normalize(run.output)).toBe(normalize(await readExample("plan-update")));
  });

  it("demo:federated: secretless sign-in against the sandbox, trusted and refused", async () => {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, "scripts/demo-federated.mjs")], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
    });
    expect(output).toBe(await readExample("federated-demo"));
  });
});
