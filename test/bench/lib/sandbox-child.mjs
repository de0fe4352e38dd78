// A sandbox in its own process for the benchmarks, with any startSandbox option (the CLI has no
// flag for some of them, e.g. rateLimitKey). argv[2]: JSON options. Prints the same first line as
// `orderform sandbox` and stops cleanly on SIGTERM/SIGINT.
import { startSandbox } from "../../../dist/sandbox/index.js";

const options = { port: 0, host: "127.0.0.1", ...JSON.parse(process.argv[2] ?? "{}") };
if (options.host !== "127.0.0.1") throw new Error("benchmarks run on loopback only");
const sandbox = await startSandbox(options);
process.stdout.write(`orderform sandbox listening on ${sandbox.url}\n`);
const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
