/**
 * Crash-safe file replacement: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A kill at any point leaves either the old or the new file, never a
 * mix; a leftover temp file (kill before rename) is named `<target>.tmp-<pid>-<random>`.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export async function writeFileAtomic(target: string, data: string): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const handle = await open(temp, "wx", FILE_MODE);
  let renamed = false;
  try {
    await handle.writeFile(data, "utf8");
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
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
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/** The file's text, or null when it does not exist; any other failure is thrown. */
export async function readFileIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
