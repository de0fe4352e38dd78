/**
 * Writing the order files of `orderform generate` (docs/generate.md): first every check, then
 * every file, each created exclusively, so that a failure leaves nothing half-written.
 *
 * Contract:
 * - checkOrderFiles reads what is at each target path: nothing (the file is new), exactly the text
 *   generate would write (adopted: a rerun after a crash between files and state), or anything
 *   else (a collision: generate.file-exists, naming every such file, before anything is written).
 *   An out-dir that cannot be a folder, or cannot be created or written, is
 *   generate.out-dir-unwritable, also before anything is written.
 * - writeOrderFiles writes each new file to a temporary name in its folder and hard-links it into
 *   place (link fails when the name exists, so a file created meanwhile is never overwritten and
 *   no reader sees a half-written file). When one write fails, the files this run created are
 *   removed again and the error says which file failed and why.
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
}

/** Files read or written at a time: enough to keep the disk busy, few enough for any fd limit. */
const IN_FLIGHT = 16;

/** How many colliding files an error names before "and N more". */
const LISTED = 10;

export async function checkOrderFiles(
  outDir: string,
  files: readonly PlannedFile[],
  relative: (file: string) => string,
): Promise<CheckedFiles> {
  await checkOutDir(outDir, relative);
  const create: PlannedFile[] = [];
  const adopt: PlannedFile[] = [];
  const collisions: string[] = [];
  const found = new Map<PlannedFile, string | null | undefined>();
  await runPool(files, IN_FLIGHT, async (file) => {
    const existing = await readFile(file.path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      if (error.code === "ENOTDIR") throw createUnwritableError(relative(file.path), error);
      return undefined; // a folder, or unreadable: not ours to replace
    });
    found.set(file, existing);
  });
  for (const file of files) {
    const existing = found.get(file);
    if (existing === null) create.push(file);
    else if (existing === file.text) adopt.push(file);
    else collisions.push(relative(file.path));
  }
  if (collisions.length > 0) {
    const shown = collisions.slice(0, LISTED).join(", ");
    const more = collisions.length > LISTED ? ` and ${collisions.length - LISTED} more` : "";
    throw new OrderformError(
      "generate.file-exists",
      `${collisions.length} file(s) that generate would write exist with other content: ${shown}${more}; nothing was written`,
      {
        hint: "generate never overwrites a file. Move or rename these files (or pass another --out-dir), then run generate again.",
      },
    );
  }
  return { create, adopt };
}

export async function writeOrderFiles(
  files: readonly PlannedFile[],
  relative: (file: string) => string,
): Promise<void> {
  const written: string[] = [];
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
  if (failure !== undefined) {
    await Promise.all(written.map((file) => rm(file, { force: true })));
    throw failure;
  }
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

async function checkOutDir(outDir: string, relative: (file: string) => string): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true });
    const info = await stat(outDir);
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
