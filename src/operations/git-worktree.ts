/**
 * Whether the order files have uncommitted changes, for the history version apply writes
 * (docs/state.md, "History"): `git status --porcelain` limited to the orders path, run in the
 * project root. "unknown" when git is missing, the project is not a git work tree, or git fails;
 * never an error, because the answer only annotates the record of what was bought.
 */
import { execFile } from "node:child_process";

export type OrdersWorktree = "clean" | "dirty" | "unknown";

export function readOrdersWorktree(rootDir: string, orders: string): Promise<OrdersWorktree> {
  return new Promise((resolvePromise) => {
    execFile(
      "git",
      ["status", "--porcelain", "--untracked-files=all", "--", selectStaticPrefix(orders)],
      { cwd: rootDir, timeout: 5000, windowsHide: true, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) resolvePromise("unknown");
        else resolvePromise(stdout.trim() === "" ? "clean" : "dirty");
      },
    );
  });
}

/**
 * The part of the `orders` setting before its first glob segment (`orders/**\/*.yaml` -> `orders`),
 * so that git is asked about a plain path; "." when the glob starts at the root.
 */
function selectStaticPrefix(orders: string): string {
  const segments = orders.replaceAll("\\", "/").split("/");
  const end = segments.findIndex((s) => /[*?[\]{}!]/.test(s));
  const prefix = (end < 0 ? segments : segments.slice(0, end)).join("/");
  return prefix === "" ? "." : prefix;
}
