/**
 * Identity of a process on this host, so that a lock holder can be told apart from a later process
 * that got the same pid (see docs/state.md, "Lock takeover").
 *
 * Linux: `linux:<boot id>:<start time>` from /proc/sys/kernel/random/boot_id and field 22 of
 * /proc/<pid>/stat (clock ticks since boot). Elsewhere: `ps:<lstart>` from `ps -o lstart= -p PID`
 * (one-second resolution: a pid recycled within the same second looks like the same process, which
 * errs on the safe side: the lock is then not taken over). Undefined when neither works: the
 * holder's identity is unknown, and a live pid is then never proved gone.
 */
import { execFile } from "node:child_process";
import { readlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";

export interface ProcessStatus {
  alive: boolean;
  /** The start identity of the process on this host; undefined when it cannot be read. */
  startTime: string | undefined;
}

async function readLinuxStatus(pid: number): Promise<ProcessStatus | undefined> {
  try {
    const [stat, bootId] = await Promise.all([
      readFile(`/proc/${pid}/stat`, "utf8"),
      readFile("/proc/sys/kernel/random/boot_id", "utf8"),
    ]);
    return createLinuxStatus(stat, bootId);
  } catch {
    return undefined;
  }
}

/**
 * Parses /proc/<pid>/stat: the command name (field 2) is in parentheses and may itself hold spaces
 * and parentheses, so fields are counted from the last ")"; the field after it is field 3 (the
 * state: Z and X are a process that has exited and is not yet reaped).
 */
export function createLinuxStatus(statText: string, bootId: string): ProcessStatus | undefined {
  const close = statText.lastIndexOf(")");
  if (close === -1) return undefined;
  const fields = statText
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const startTime = fields[22 - 3];
  const boot = bootId.trim();
  if (startTime === undefined || !/^\d+$/.test(startTime) || boot === "") return undefined;
  return { alive: state !== "Z" && state !== "X", startTime: `linux:${boot}:${startTime}` };
}

function readPsStartTime(pid: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      "ps",
      ["-o", "lstart=", "-p", String(pid)],
      { timeout: 5000, windowsHide: true, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout) => {
        const text = stdout.trim();
        resolve(error === null && text !== "" ? `ps:${text.replace(/\s+/g, " ")}` : undefined);
      },
    );
  });
}

/** Whether pid runs on this host (an exited, unreaped process counts as gone), and its start identity. */
export async function readProcessStatus(pid: number): Promise<ProcessStatus> {
  if (!Number.isInteger(pid) || pid <= 0) return { alive: false, startTime: undefined };
  if (!checkProcessAlive(pid)) return { alive: false, startTime: undefined };
  if (process.platform === "linux") {
    const status = await readLinuxStatus(pid);
    // /proc unreadable (hidepid, a container): alive, identity unknown.
    return status ?? { alive: true, startTime: undefined };
  }
  if (process.platform === "win32") return { alive: true, startTime: undefined };
  return { alive: true, startTime: await readPsStartTime(pid) };
}

/** process.kill(pid, 0) probes without signalling; EPERM means it exists under another user. */
function checkProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * This process's pid namespace (Linux: the target of /proc/self/ns/pid, e.g. "pid:[4026531836]"),
 * or undefined elsewhere. Containers that share a host name (and a state volume) but not a pid
 * namespace cannot see each other's processes: a lock holder in another namespace is never judged
 * gone, exactly like a holder on another host.
 */
export function readPidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}
