/**
 * Finds order files: `orders` in config is a directory (searched recursively), a single file, or
 * a glob (`*`, `**`, `?`, `{a,b}`), relative to the project root. Results are root-relative with
 * forward slashes and sorted by code unit, so every platform and run sees the same order.
 * Hidden entries (names starting with ".") are skipped: editors and VCS keep their files there.
 */
import { readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { createDiagnostic } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";

export interface OrderFileList {
  /** Root-relative, forward slashes, sorted. */
  files: string[];
  diagnostics: Diagnostic[];
}

const ORDER_FILE = /\.ya?ml$/i;
const GLOB_CHARS = /[*?[{]/;
/** A glob's fixed base that is missing or no directory: reported as an `orders` path not found. */
const NOT_FOUND: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR"]);

export async function loadOrderFileList(rootDir: string, pattern: string): Promise<OrderFileList> {
  const normalized = pattern.replace(/\\/g, "/");
  if (!GLOB_CHARS.test(normalized)) return loadFromPath(rootDir, normalized);
  const segments = normalized.split("/");
  const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
  const base = segments.slice(0, firstGlob).join("/");
  const matcher = createGlobMatcher(segments.slice(firstGlob).join("/"));
  const baseAbs = path.resolve(rootDir, base === "" ? "." : base);
  const tree = readTree(baseAbs);
  const missing = tree.unreadable.find((u) => u.relative === "" && NOT_FOUND.has(u.message));
  if (missing !== undefined) return { files: [], diagnostics: [createNotFound(pattern)] };
  const baseDir = toRootRelative(rootDir, baseAbs);
  const files = tree.files
    .filter((rel) => matcher.test(rel))
    .map(createPrefixer(baseDir))
    .sort(compareCodeUnits);
  return { files, diagnostics: describeTree(tree, files, pattern, baseDir) };
}

async function loadFromPath(rootDir: string, relative: string): Promise<OrderFileList> {
  const abs = path.resolve(rootDir, relative);
  const info = await stat(abs).catch(() => null);
  if (info === null) return { files: [], diagnostics: [createNotFound(relative)] };
  if (info.isFile()) return { files: [toRootRelative(rootDir, abs)], diagnostics: [] };
  const base = toRootRelative(rootDir, abs);
  const tree = readTree(abs);
  const files = tree.files
    .filter((rel) => ORDER_FILE.test(rel))
    .map(createPrefixer(base))
    .sort(compareCodeUnits);
  return { files, diagnostics: describeTree(tree, files, relative, base) };
}

/**
 * A directory that cannot be read is an error, not an empty directory: its order files would
 * otherwise silently drop out of the plan (their orders shown as undeclared). No files at all,
 * with every directory read, is a warning.
 */
function describeTree(tree: OrderTree, files: string[], pattern: string, base: string): Diagnostic[] {
  const diagnostics = tree.unreadable.map(({ relative, message }) =>
    createDiagnostic("order.unreadable", `cannot read the directory: ${message}`, {
      file: [base, relative].filter((part) => part !== "").join("/") || ".",
      hint: "give orderform read access to every directory under `orders`, or move the directory out of it",
    }),
  );
  if (files.length === 0 && diagnostics.length === 0) diagnostics.push(createNoFiles(pattern));
  return diagnostics;
}

/** The regular files under a directory, and the subdirectories that could not be read. */
interface OrderTree {
  files: string[];
  unreadable: { relative: string; message: string }[];
}

/**
 * Every regular file under dir, dir-relative with forward slashes, and every directory that could
 * not be listed, with the reason (dir itself as "").
 * Synchronous: nothing else runs while a command lists its order files, and Node 20's recursive
 * fs/promises readdir walks one directory per thread-pool round trip. Walked one directory at a
 * time rather than with readdirSync's `recursive` option: a little faster (docs/performance.md),
 * and hidden directories are not entered at all. Symbolic links are neither followed nor listed.
 */
function readTree(dir: string): OrderTree {
  const tree: OrderTree = { files: [], unreadable: [] };
  walkTree(dir, "", tree);
  return tree;
}

function walkTree(dir: string, relative: string, tree: OrderTree): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    tree.unreadable.push({ relative, message: describeFsError(error) });
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const rel = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isFile()) tree.files.push(rel);
    else if (entry.isDirectory()) walkTree(path.join(dir, entry.name), rel, tree);
  }
}

/** The error's code and its text without the path (the diagnostic names the directory itself). */
function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : String(error);
}

/** Glob to RegExp over forward-slash paths: `**` spans directories, `*` and `?` do not. */
export function createGlobMatcher(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:[^/]*/)*" : ".*";
        i += slash ? 2 : 1;
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end === -1) {
        re += "\\{";
      } else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(",")
          .map((alt) => alt.replace(/[.+^$()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
          .join("|")})`;
        i = end;
      }
    } else if (c === "[") {
      const end = glob.indexOf("]", i);
      if (end === -1) re += "\\[";
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else {
      re += c.replace(/[.+^$()|\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

function toRootRelative(rootDir: string, abs: string): string {
  return path.relative(rootDir, abs).split(path.sep).join("/");
}

/** Dir-relative to root-relative, given the dir's own root-relative path ("" for the root). */
function createPrefixer(base: string): (rel: string) => string {
  return (rel) => (base === "" ? rel : `${base}/${rel}`);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function createNotFound(pattern: string): Diagnostic {
  return createDiagnostic("config.orders-not-found", `the orders path "${pattern}" does not exist`, {
    hint: "create the directory, or set `orders:` in the config to where the order files are",
  });
}

function createNoFiles(pattern: string): Diagnostic {
  return createDiagnostic("config.no-order-files", `no order files (*.yaml, *.yml) found in "${pattern}"`, {
    severity: "warning",
    hint: "add order files, or set `orders:` in the config to where they are",
  });
}
