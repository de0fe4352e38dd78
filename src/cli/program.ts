/**
 * The commander program: every command, its arguments and flags. Actions load their command module
 * lazily (docs/performance.md) and hand it to `run`, which the entry point supplies. Exported so that
 * tests can check command lines (the GitHub Actions examples) against the real flags.
 */
import { Command, Option } from "commander";
import { OrderformError } from "../core/errors.js";
import type { CliContext, CommandResult } from "./context.js";
import type { ApplyCommandFlags } from "./commands/apply.js";
import type { GenerateCommandFlags } from "./commands/generate.js";
import type { PlanCommandFlags, PlanFormat } from "./commands/plan.js";
import type { SandboxCommandOptions } from "./commands/sandbox.js";

export type Runner = (ctx: CliContext) => Promise<CommandResult>;

export function createProgram(run: (runner: Runner) => Promise<void>, version: string): Command {
  const program = new Command("orderform")
    .exitOverride()
    .description("Orders as code for Microsoft Partner Center")
    .version(version, "-v, --version")
    .option("--config <file>", "config file (default: searched from the project directory)")
    .option("--chdir <dir>", "run as if started in this directory")
    .option("--no-color", "disable colour (NO_COLOR is honoured too)")
    .option("--json", "machine-readable output")
    .showHelpAfterError();

  program
    .command("validate")
    .description("check the config and every order file; talks to no API")
    .option("--json", "print one JSON object with all diagnostics")
    .action((opts: JsonFlag) =>
      run(async (ctx) => (await import("./commands/validate.js")).runValidate(withJson(ctx, opts))),
    );

  const plan = program
    .command("plan")
    .description("compare declared orders with state and Partner Center, and show what would be bought")
    .option("--out <file>", "save the plan for `orderform apply FILE`")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]))
    .option("--json", "same as --format json")
    .option("--detailed-exitcode", "exit 0 with no changes, 2 with changes, 1 on error")
    .option("--markdown-out <dir>", "also write the markdown parts for pull-request comments to DIR")
    .option(
      "--markdown-id <id>",
      "what the markdown's hidden marker names the plan by (default: the config file's path)",
    )
    .option("--parallelism <n>", "concurrent list requests", parseInteger)
    .addOption(
      new Option(
        "--refresh <bool>",
        "false: list only the customers with changes and trust state for the rest (drift is not checked)",
      ).choices(["true", "false"]),
    )
    .addOption(
      new Option(
        "--refresh-only",
        "list every customer and report drift alone; nothing is planned",
      ).conflicts(["refresh", "replace", "allowDuplicate"]),
    );
  addSelectionOptions(plan).action((opts: PlanCommandFlags & JsonFlag) =>
    run(async (ctx) => (await import("./commands/plan.js")).runPlan(withJson(ctx, opts), opts)),
  );

  const apply = program
    .command("apply")
    .description("place the missing orders, exactly once, and record them in state")
    .argument("[planfile]", "a plan saved by `orderform plan --out`")
    .option("--auto-approve", "do not ask for approval (required without a TTY)")
    .option("--parallelism <n>", "concurrent orders across customers", parseInteger)
    .addOption(
      new Option(
        "--refresh <bool>",
        "false: list only the customers with changes and trust state for the rest (as plan --refresh=false)",
      ).choices(["true", "false"]),
    )
    .option("--json", "stream one JSON event per line");
  addSelectionOptions(apply).action((planfile: string | undefined, opts: ApplyCommandFlags & JsonFlag) =>
    run(async (ctx) => (await import("./commands/apply.js")).runApply(withJson(ctx, opts), planfile, opts)),
  );

  program
    .command("show")
    .description("print a saved plan, or the current state")
    .argument("[planfile]", "a plan saved by `orderform plan --out`")
    .option("--json", "print JSON")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]))
    .action((planfile: string | undefined, opts: { format?: PlanFormat } & JsonFlag) =>
      run(async (ctx) => (await import("./commands/show.js")).runShow(withJson(ctx, opts), planfile, opts)),
    );

  program
    .command("import")
    .description("bind an existing Partner Center order to a declared order")
    .argument("<name>", "the declared order's name")
    .argument("<orderId>", "the Partner Center order id")
    .option("--lock-timeout <duration>", "wait this long for the state lock", "0s")
    .option("--json", "print the outcome, or the errors, as JSON")
    .action((name: string, orderId: string, opts: LockFlags & JsonFlag) =>
      run(async (ctx) =>
        (await import("./commands/import.js")).runImport(withJson(ctx, opts), name, orderId, opts),
      ),
    );

  program
    .command("generate")
    .description(
      "write order files for the orders Partner Center holds that state does not track, and record them",
    )
    .option(
      "--customer <id>",
      "only this customer (repeatable; default: every customer of the partner)",
      collect,
      [],
    )
    .option("--out-dir <dir>", "where to write the order files (default: orders/generated)")
    .option("--dry-run", "print what would be written; write nothing")
    .option("--parallelism <n>", "concurrent list requests", parseInteger)
    .option("--lock-timeout <duration>", "wait this long for the state lock", "0s")
    .option("--json", "print one JSON document")
    .action((opts: GenerateCommandFlags & JsonFlag) =>
      run(async (ctx) => (await import("./commands/generate.js")).runGenerate(withJson(ctx, opts), opts)),
    );

  const state = program.command("state").description("inspect and maintain the state");
  state
    .command("list")
    .description("list the orders in state")
    .option("--json", "print JSON")
    .action((opts: JsonFlag) =>
      run(async (ctx) => (await import("./commands/state.js")).runStateList(withJson(ctx, opts))),
    );
  state
    .command("show")
    .argument("<name>")
    .description("show one order's record")
    .option("--json", "print JSON")
    .action((name: string, opts: JsonFlag) =>
      run(async (ctx) => (await import("./commands/state.js")).runStateShow(withJson(ctx, opts), name)),
    );
  state
    .command("history")
    .description("list every state version: who, when, command, commit")
    .option("--json", "print JSON")
    .action((opts: JsonFlag) =>
      run(async (ctx) => (await import("./commands/state.js")).runStateHistory(withJson(ctx, opts))),
    );
  state
    .command("diff")
    .argument("[a]", "serial of the older version (default: the one before b)")
    .argument("[b]", "serial of the newer version (default: the current one)")
    .description("unified diff between two state versions")
    .option("--json", "print both versions as JSON")
    .action((a: string | undefined, b: string | undefined, opts: JsonFlag) =>
      run(async (ctx) => (await import("./commands/state.js")).runStateDiff(withJson(ctx, opts), a, b)),
    );
  state
    .command("mv")
    .argument("<old>", "the name in state")
    .argument("<new>", "the new name (e.g. the order's new name in its file)")
    .description("rename a record in state (nothing is bought or cancelled)")
    .option("--lock-timeout <duration>", "wait this long for the state lock", "0s")
    .option("--json", "print the outcome, or the errors, as JSON")
    .action((from: string, to: string, opts: LockFlags & JsonFlag) =>
      run(async (ctx) =>
        (await import("./commands/state-mv.js")).runStateMv(withJson(ctx, opts), from, to, opts),
      ),
    );
  state
    .command("migrate")
    .description("copy the state and its whole history into the backend another config file names")
    .requiredOption("--to <file>", "the config file that names the target backend")
    .option("--lock-timeout <duration>", "wait this long for each state lock", "0s")
    .option("--json", "print the outcome, or the errors, as JSON")
    .action((opts: LockFlags & JsonFlag & { to?: string }) =>
      run(async (ctx) =>
        (await import("./commands/state-migrate.js")).runStateMigrate(withJson(ctx, opts), opts),
      ),
    );
  state
    .command("rm")
    .argument("<name>")
    .description("stop tracking an order (nothing is cancelled)")
    .option("--lock-timeout <duration>", "wait this long for the state lock", "0s")
    .option("--force", "also forget a pending create whose outcome is unknown (it may have been bought)")
    .option("--json", "print the outcome, or the errors, as JSON")
    .action((name: string, opts: LockFlags & JsonFlag & { force?: boolean }) =>
      run(async (ctx) => (await import("./commands/state.js")).runStateRm(withJson(ctx, opts), name, opts)),
    );

  program
    .command("force-unlock")
    .argument("<lockId>")
    .description("remove a lock left by a killed run")
    .option("--force", "remove it even though its holder still runs on this host")
    .option("--json", "print the outcome, or the errors, as JSON")
    .action((lockId: string, opts: JsonFlag & { force?: boolean }) =>
      run(async (ctx) =>
        (await import("./commands/force-unlock.js")).runForceUnlock(withJson(ctx, opts), lockId, opts),
      ),
    );

  program
    .command("sandbox")
    .description("run the built-in Partner Center emulator in the foreground")
    .option("--port <n>", "port (0 picks a free one)", parsePort, 0)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--data <file>", "persist the store in this file across restarts")
    .option("--list-delay <ms>", "delay before a new order shows in the customer's list", parseInteger, 0)
    .option(
      "--provisioning-delay <ms>",
      "delay before an order goes from pending to completed",
      parseInteger,
      0,
    )
    .option("--token-lifetime <s>", "access token lifetime in seconds", parseInteger, 3600)
    .option(
      "--rate-limit <n>",
      "requests per minute per partner and customer on order routes",
      parseInteger,
      500,
    )
    .option("--no-sandbox-limits", "turn off the integration sandbox's subscription and license limits")
    .action((opts: SandboxCommandOptions) =>
      run(async (ctx) => (await import("./commands/sandbox.js")).runSandbox(ctx, opts)),
    );

  return program;
}

/** The flags plan and apply share: which customers and declarations, and the lock wait. */
function addSelectionOptions(command: Command): Command {
  return command
    .option("--customer <id>", "only this customer (repeatable)", collect, [])
    .option(
      "--replace <name>",
      "place a new order for this drifted or conflicting declaration (repeatable)",
      collect,
      [],
    )
    .option(
      "--allow-duplicate <name>",
      "let this create go ahead next to an identical order that state does not track (repeatable)",
      collect,
      [],
    )
    .option("--lock-timeout <duration>", "wait this long for the state lock (e.g. 30s, 2m)", "0s");
}

/** `--json` on a command (the same as the global flag). */
interface JsonFlag {
  json?: boolean;
}

interface LockFlags {
  lockTimeout?: string;
}

function withJson(ctx: CliContext, opts: JsonFlag): CliContext {
  return opts.json === true ? { ...ctx, global: { ...ctx.global, json: true } } : ctx;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new OrderformError("cli.invalid-number", `not a non-negative integer: ${value}`);
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new OrderformError("cli.invalid-port", `--port must be an integer from 0 to 65535, got ${value}`, {
      hint: "0 picks a free port",
    });
  }
  return n;
}
