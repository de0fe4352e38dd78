/**
 * Writing the order files of `orderform generate` (docs/generate.md), each created exclusively.
 *
 * Contract:
 * - checkOutDir: the out-dir is a folder that can be created and written, else
 *   generate.out-dir-unwritable (checked before any request is sent).
 * - checkOrderFiles reads what is at each target path: nothing (the file is new), exactly the text
 *   generate would write (adopted: a rerun after a crash between files and state), or anything
 *   else (a collision; createCollisionError names them all).
 * - writeOrderFiles writes each new file to a temporary name in its folder and hard-links it into
 *   place (link fails when the name exists, so a file created meanwhile is never overwritten and
 *   no reader sees a half-written file). It adds each file it created to `written`, so that the
 *   caller can remove them again (removeFiles) when the run fails.
 */
import { randomUUID } from "node:crypto";
import { access, constants, link, mkdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { OrderformError } from "../core/errors.js";
import { runPool } from "./run-pool.js";

export interface PlannedFile {
  /** Absolute path. */
  path: string;
  text: string;
}

export interface CheckedFiles {
  /** Files to create. */
  create: PlannedFile[];
  /** Files already there with exactly the text generate would write. */
  adopt: PlannedFile[];
  /** Files already there with other content (project-root-relative). */
  collisions: string[];
}

/** Files read or written at a time: enough to keep the disk busy, few enough for any fd limit. */
const IN_FLIGHT = 16;

/** How many colliding files an error names before "and N more". */
const LISTED = 10;

export async function checkOrderFiles(
  files: readonly PlannedFile[],
  relative: (file: string) => string,
): Promise<CheckedFiles> {
  const found = new Map<PlannedFile, string | null | undefined>();
  await runPool(files, IN_FLIGHT, async (file) => {
    const existing = await readFile(file.path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      if (error.code === "ENOTDIR") throw createUnwritableError(relative(file.path), error);
      return undefined; // a folder, or unreadable: not ours to replace
    });
    found.set(file, existing);
  });
  const checked: CheckedFiles = { create: [], adopt: [], collisions: [] };
  for (const file of files) {
    const existing = found.get(file);
    if (existing === null) checked.create.push(file);
    else if (existing === file.text) checked.adopt.push(file);
    else checked.collisions.push(relative(file.path));
  }
  return checked;
}

export function createCollisionError(collisions: readonly string[]): OrderformError {
  const sorted = [...collisions].sort();
  const shown = sorted.slice(0, LISTED).join(", ");
  const more = sorted.length > LISTED ? ` and ${sorted.length - LISTED} more` : "";
  return new OrderformError(
    "generate.file-exists",
    `${sorted.length} file(s) that generate would write exist with other content: ${shown}${more}; nothing was written`,
    {
      hint: "generate never overwrites a file. Move or rename these files (or pass another --out-dir), then run generate again.",
    },
  );
}

/** Creates each file; stops at the first failure (after the writes in flight), adding each created file to `written`. */
export async function writeOrderFiles(
  files: readonly PlannedFile[],
  relative: (file: string) => string,
  written: string[],
): Promise<void> {
  let failure: unknown;
  await runPool(files, IN_FLIGHT, async (file) => {
    if (failure !== undefined) return;
    try {
      await writeExclusive(file, relative);
      written.push(file.path);
    } catch (error) {
      failure ??= error;
    }
  });
  if (failure !== undefined) throw failure;
}

/**
 * Name -> the order id in the first comment line that starts with `note` (a file generate wrote);
 * files without one, or unreadable, are left out.
 */
export async function readGeneratedOrderIds(
  files: readonly { name: string; path: string }[],
  note: string,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await runPool(files, IN_FLIGHT, async (file) => {
    const text = await readFile(file.path, "utf8").catch(() => "");
    const line = text.split("\n").find((l) => l.startsWith(`# ${note}`));
    const id = line?.slice(`# ${note}`.length).trim();
    if (id !== undefined && id !== "") ids.set(file.name, id);
  });
  return ids;
}

export async function removeFiles(files: readonly string[]): Promise<void> {
  await runPool(files, IN_FLIGHT, (file) => rm(file, { force: true }));
}

async function writeExclusive(file: PlannedFile, relative: (file: string) => string): Promise<void> {
  const dir = path.dirname(file.path);
  const temp = path.join(dir, `.${path.basename(file.path)}.${randomUUID()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, file.text, { flag: "wx" });
    await link(temp, file.path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === "EEXIST")
      throw new OrderformError(
        "generate.file-exists",
        `${relative(file.path)} appeared while generate ran; nothing was written`,
        { hint: "Run generate again: it adopts files with exactly its content and refuses others." },
      );
    throw createUnwritableError(relative(file.path), e);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** `create`: make the folder when missing (not for --dry-run, which writes nothing). */
export async function checkOutDir(
  outDir: string,
  relative: (file: string) => string,
  create: boolean,
): Promise<void> {
  try {
    if (create) await mkdir(outDir, { recursive: true });
    const info = await stat(outDir).catch((error: NodeJS.ErrnoException) => {
      if (!create && error.code === "ENOENT") return null;
      throw error;
    });
    if (info === null) return;
    if (!info.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    await access(outDir, constants.W_OK);
  } catch (error) {
    throw createUnwritableError(relative(outDir), error as NodeJS.ErrnoException);
  }
}

function createUnwritableError(where: string, error: NodeJS.ErrnoException): OrderformError {
  return new OrderformError(
    "generate.out-dir-unwritable",
    `cannot write ${where || "."}: ${error.code ?? error.message}; nothing was written`,
    { hint: "Pass an --out-dir that is a folder you can write to (it is created when missing)." },
  );
}
