/**
 * server.listen with the errors a user can cause explained: a port out of range, a port in use
 * (EADDRINUSE), a port that needs privileges (EACCES), an address this machine does not have.
 */
import type { Server } from "node:http";
import { OrderformError } from "../core/errors.js";

const MAX_PORT = 65_535;

export async function listenOrExplain(server: Server, port: number, host: string): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new OrderformError(
      "sandbox.invalid-port",
      `port ${String(port)} is out of range: a port is an integer from 0 to ${MAX_PORT}`,
      { hint: "0 picks a free port" },
    );
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    throw explainListenError(error, port, host);
  }
}

function explainListenError(error: unknown, port: number, host: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  switch (code) {
    case "EADDRINUSE":
      return new OrderformError("sandbox.port-in-use", `cannot listen on ${where}: the port is in use`, {
        hint: "stop what listens there (perhaps another orderform sandbox), or pick another --port (0 picks a free one)",
        cause: error,
      });
    case "EACCES":
      return new OrderformError("sandbox.port-denied", `cannot listen on ${where}: permission denied`, {
        hint: "ports below 1024 need privileges; pick a port from 1024 up, or 0 for a free one",
        cause: error,
      });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new OrderformError("sandbox.invalid-host", `cannot listen on ${where}: no such address here`, {
        hint: "--host takes an address of this machine, e.g. 127.0.0.1 or ::1",
        cause: error,
      });
    default:
      return error;
  }
}
