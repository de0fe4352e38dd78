/**
 * Reading the sandbox's data file with clear errors: a folder that does not exist, a path that is
 * a folder, an unreadable file, or a file that is no sandbox snapshot (the store would overwrite
 * it on start, so anything else, such as an orderform state file given by mistake, is refused).
 */
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { OrderformError } from "../core/errors.js";

const HINT = "pass a new file name in an existing folder, or a file an earlier sandbox wrote";

/** Checks that the data file's folder exists and the file is none (before the lock is made beside it). */
export function checkDataFolder(dataFile: string): void {
  if (statSync(dataFile, { throwIfNoEntry: false })?.isDirectory() === true) {
    throw new OrderformError("sandbox.data-unreadable", `the sandbox data file ${dataFile} is a folder`, {
      hint: HINT,
    });
  }
  const folder = dirname(dataFile);
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) {
    throw new OrderformError(
      "sandbox.data-folder-missing",
      `the folder of the sandbox data file ${dataFile} does not exist: ${folder}`,
      { hint: `create it first (mkdir -p ${folder}), or ${HINT}` },
    );
  }
}

/**
 * The snapshot's JSON value, or undefined when the file does not exist yet. Only its shape is
 * checked here ({version: 1} and lists); the store reads the lists.
 */
export function readSnapshotFile(dataFile: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(dataFile, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    const what = code === "EISDIR" ? "it is a folder" : (code ?? String(error));
    throw new OrderformError(
      "sandbox.data-unreadable",
      `cannot read the sandbox data file ${dataFile}: ${what}`,
      {
        hint: HINT,
        cause: error,
      },
    );
  }
  // An empty file (made with touch) is a store with nothing in it yet.
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const snapshot = value as Record<string, unknown> | undefined;
  const lists = ["partners", "customers", "orders", "requests", "subscriptions"];
  if (
    typeof snapshot !== "object" ||
    snapshot === null ||
    snapshot.version !== 1 ||
    lists.some((key) => snapshot[key] !== undefined && !Array.isArray(snapshot[key]))
  ) {
    throw new OrderformError(
      "sandbox.not-a-data-file",
      `${dataFile} is not a sandbox data file (expected JSON {"version": 1, "orders": [...], ...}); it was left as it is`,
      { hint: HINT },
    );
  }
  return snapshot;
}
