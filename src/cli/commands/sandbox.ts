import { resolve } from "node:path";
import { SANDBOX_PARTNER, startSandbox } from "../../sandbox/index.js";
import type { SandboxOptions } from "../../sandbox/index.js";
import type { CliContext, CommandResult } from "../context.js";

export interface SandboxCommandOptions {
  port?: number;
  host?: string;
  data?: string;
  listDelay?: number;
  provisioningDelay?: number;
  tokenLifetime?: number;
  rateLimit?: number;
  sandboxLimits?: boolean;
}

/**
 * `orderform sandbox`: runs the emulator in the foreground until SIGINT/SIGTERM, then closes it
 * cleanly (the store is folded into its snapshot) and returns 0.
 */
export async function runSandbox(ctx: CliContext, opts: SandboxCommandOptions = {}): Promise<CommandResult> {
  const options: SandboxOptions = {
    port: opts.port ?? 0,
    host: opts.host ?? "127.0.0.1",
    listDelayMs: opts.listDelay ?? 0,
    provisioningDelayMs: opts.provisioningDelay ?? 0,
    tokenLifetimeSeconds: opts.tokenLifetime ?? 3600,
    rateLimitPerMinute: opts.rateLimit ?? 500,
    sandboxLimits: opts.sandboxLimits !== false,
  };
  if (opts.data !== undefined) options.dataFile = resolve(ctx.global.chdir ?? ctx.cwd, opts.data);
  const sandbox = await startSandbox(options);
  ctx.stdout.write(`orderform sandbox listening on ${sandbox.url}\n`);
  ctx.stderr.write(
    `Sandbox credentials (sandbox only): tenant ${SANDBOX_PARTNER.tenantId}, client id ${SANDBOX_PARTNER.clientId}, secret ${SANDBOX_PARTNER.clientSecret}\n`,
  );
  if (!ctx.signal.aborted) {
    await new Promise<void>((done) => ctx.signal.addEventListener("abort", () => done(), { once: true }));
  }
  await sandbox.close();
  ctx.stderr.write("orderform sandbox stopped\n");
  return 0;
}
