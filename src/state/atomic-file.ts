/**
 * Crash-safe file replacement: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A kill at any point leaves either the old or the new file, never a
 * mix; a leftover temp file (kill before rename) is named `<target>.tmp-<pid>-<random>`.
 * Every write failure is a `state.write-failed` naming the target (see docs/state.md).
 */
import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createReadFailedError, writeChecked } from "./errors.js";

export const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

function createTempName(target: string): string {
  return join(dirname(target), `${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Writes data to a new temp file next to target and fsyncs it; the caller moves it into place. */
async function writeTempFile(temp: string, data: string): Promise<void> {
  const handle = await open(temp, "wx", FILE_MODE);
  try {
    await handle.writeFile(data, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(target: string, data: string): Promise<void> {
  await writeChecked(target, async () => {
    const temp = createTempName(target);
    let renamed = false;
    try {
      await writeTempFile(temp, data);
      await rename(temp, target);
      renamed = true;
      await syncDirectory(dirname(target));
    } finally {
      if (!renamed) await unlink(temp).catch(() => undefined);
    }
  });
}

/**
 * Creates target with data exclusively: written and fsynced to a temp file, then hard-linked into
 * place, so the file appears complete or not at all and an existing file is never replaced.
 * False when target already exists (nothing is written then).
 */
export async function writeFileExclusive(target: string, data: string): Promise<boolean> {
  return writeChecked(target, async () => {
    const temp = createTempName(target);
    try {
      await writeTempFile(temp, data);
      try {
        await link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await syncDirectory(dirname(target));
    return true;
  });
}

/**
 * Makes a rename or unlink durable. Some platforms (Windows) cannot open or fsync a directory;
 * there the rename is as durable as the OS makes it, which is the best available.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}

/** mkdir -p with mode 0700 for the folders orderform creates (existing folders keep their mode). */
export async function ensureDirectory(dir: string): Promise<void> {
  await writeChecked(dir, () => mkdir(dir, { recursive: true, mode: DIR_MODE }));
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * The file's text, or null when it does not exist; any other failure is a state.read-failed. Only
 * regular files hold state: anything else (a device such as /dev/full behind a symlink) reads as "".
 */
export async function readFileIfExists(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if (isNotFound(error)) return null;
    throw createReadFailedError(file, error);
  }
  try {
    if (!(await handle.stat()).isFile()) return "";
    return await handle.readFile("utf8");
  } catch (error) {
    throw createReadFailedError(file, error);
  } finally {
    await handle.close();
  }
}

/**
 * Removes a journal that holds no record. Only a regular file is removed: a journal path that is a
 * symlink (to another disk, or a device) is left in place.
 */
export async function removeEmptyFile(file: string): Promise<void> {
  await writeChecked(file, async () => {
    try {
      if (!(await lstat(file)).isFile()) return;
      await unlink(file);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  });
}
