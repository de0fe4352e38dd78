/** The lock record in `P.lock` (LockInfo as JSON) and the environment used to judge its holder. */
import type { LockInfo } from "./types.js";
import { readFileIfExists } from "./atomic-file.js";
import type { ProcessStatus } from "./process-identity.js";

export interface LockEnvironment {
  host: string;
  /** This process's pid namespace, when known (./process-identity.ts). */
  pidNamespace?: string;
  readProcessStatus: (pid: number) => Promise<ProcessStatus>;
}

/** The current lock, "unreadable" when the file exists but holds no valid LockInfo, or null. */
export async function readLockInfo(lockPath: string): Promise<LockInfo | "unreadable" | null> {
  const text = await readFileIfExists(lockPath);
  if (text === null) return null;
  return parseLockText(text);
}

export function parseLockText(text: string): LockInfo | "unreadable" {
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value.id === "string" && typeof value.pid === "number" && typeof value.host === "string") {
      return value as LockInfo;
    }
  } catch {
    // Fall through: not a lock record (written by hand, or by another tool).
  }
  return "unreadable";
}

export function renderLockText(info: LockInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}

export function renderLockHolder(info: LockInfo): string {
  const ci = info.ci === undefined ? "" : `, ${info.ci}`;
  return `${info.owner}@${info.host} (pid ${info.pid}, operation "${info.operation}", started ${info.started}${ci}, lock id ${info.id})`;
}
