/**
 * The GitHub Actions examples (examples/github-actions/) are parsed as YAML, and every `orderform`
 * command line in them is checked against the real commander program: the command exists and
 * takes each flag written (in Terraform's one-dash spelling too). The workflow's shape the README
 * promises (OIDC permission, concurrency, an approval environment, the saved plan passed from the
 * plan run to the apply run, the comment found by its marker) is checked too.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { normalizeTerraformArgs } from "../../../src/cli/argv.js";
import { createProgram } from "../../../src/cli/program.js";
import { renderPlanMarkdown } from "../../../src/render/plan-markdown.js";
import { REPO_ROOT } from "../../e2e/helpers.js";
import { createLargePlan } from "../render/sample-plans.js";

interface Workflow {
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<
    string,
    { environment?: string; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }
  >;
}

const DIR = join(REPO_ROOT, "examples/github-actions");
const readWorkflow = async (file: string): Promise<Workflow> =>
  parse(await readFile(join(DIR, file), "utf8")) as Workflow;

/** Every `orderform ...` command line in the workflow's run steps, as words up to a shell operator. */
function selectOrderformCommands(workflow: Workflow): string[][] {
  const commands: string[][] = [];
  for (const job of Object.values(workflow.jobs)) {
    for (const step of job.steps) {
      for (const line of (step.run ?? "").split("\n")) {
        const words = line.trim().split(/\s+/);
        const at = words.indexOf("orderform");
        if (at < 0) continue;
        const rest = words.slice(at + 1);
        const end = rest.findIndex((w) => /^(>|>>|\||&&|\|\||;|#|2>)/.test(w));
        commands.push(end < 0 ? rest : rest.slice(0, end));
      }
    }
  }
  return commands;
}

/** Checks one command line against the program; returns the problems found ([] when it is valid). */
function checkCommandLine(program: Command, words: string[]): string[] {
  const args = normalizeTerraformArgs(words, program);
  let command = program;
  const problems: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const word = args[i] ?? "";
    if (word.startsWith("--")) {
      const name = word.split("=")[0] ?? "";
      const option = [...command.options, ...program.options].find((o) => o.long === name);
      if (option === undefined) problems.push(`${command.name()} has no option ${name}`);
      else if ((option.required || option.optional) && !word.includes("=")) i += 1;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word);
    if (sub !== undefined) command = sub;
  }
  if (command === program) problems.push(`no command in: orderform ${words.join(" ")}`);
  return problems;
}

const program = createProgram(() => Promise.resolve(), "0.0.0");

describe("examples/github-actions", () => {
  it("plan workflow: plans with the saved plan, posts parts by marker, uploads the plan", async () => {
    const workflow = await readWorkflow("orderform-plan.yml");
    const commands = selectOrderformCommands(workflow);
    expect(commands.map((c) => c[0])).toEqual(["plan"]);
    for (const words of commands) expect(checkCommandLine(program, words)).toEqual([]);
    expect(commands[0]).toEqual(
      expect.arrayContaining(["-detailed-exitcode", "-out=tfplan.json", "--markdown-out"]),
    );
    expect(workflow.permissions?.["id-token"]).toBe("write");
    expect(workflow.permissions?.["pull-requests"]).toBe("write");
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    expect(
      steps.some(
        (s) => s.uses?.startsWith("actions/upload-artifact@") === true && s.with?.path === "tfplan.json",
      ),
    ).toBe(true);
    // The comment script finds exactly the parts orderform writes for `--markdown-id orders`.
    const script = String(
      steps.find((s) => s.uses?.startsWith("actions/github-script@") === true)?.with?.script,
    );
    const pattern = /const marker = \/(.+)\/;/.exec(script)?.[1] ?? "";
    const parts = renderPlanMarkdown(createLargePlan(20, 10), { limit: 3000, marker: "orders" });
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((part, i) => expect(new RegExp(pattern).exec(part)?.[1]).toBe(String(i + 1)));
  });

  it("apply workflow: applies exactly the saved plan with federated sign-in, one at a time, after approval", async () => {
    const workflow = await readWorkflow("orderform-apply.yml");
    const commands = selectOrderformCommands(workflow);
    expect(commands.map((c) => c[0])).toEqual(["show", "apply", "state"]);
    for (const words of commands) expect(checkCommandLine(program, words)).toEqual([]);
    expect(commands[1]).toEqual(expect.arrayContaining(["tfplan.json", "-auto-approve"]));
    expect(workflow.permissions?.["id-token"]).toBe("write");
    expect(workflow.concurrency?.group).toBe("orderform-apply");
    expect(workflow.concurrency?.["cancel-in-progress"]).toBe(false);
    expect(Object.values(workflow.jobs).every((j) => typeof j.environment === "string")).toBe(true);
  });

  it("the check itself refuses a command or flag that does not exist", () => {
    expect(checkCommandLine(program, ["plan", "--no-such-flag"])).toEqual([
      "plan has no option --no-such-flag",
    ]);
    expect(checkCommandLine(program, ["frobnicate"])).toEqual(["no command in: orderform frobnicate"]);
    let refused: unknown;
    try {
      checkCommandLine(program, ["apply", "-auto-aprove"]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: "cli.unknown-option", hint: "did you mean --auto-approve?" });
  });
});
