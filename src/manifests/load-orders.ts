/**
 * loadOrders: discover, read and parse every order file of a project, then apply the cross-file
 * rules. Returns diagnostics instead of throwing for anything the user wrote.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createDiagnostic } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import type { LoadedConfig } from "../config/types.js";
import { loadOrderFileList } from "./discover.js";
import { compareOrders } from "./normalize-order.js";
import { parseOrderFile } from "./parse-order-file.js";
import type { LocatedNode } from "./yaml-source.js";

export interface LoadedOrders {
  /** Valid orders only, sorted by customer then name. */
  orders: DesiredOrder[];
  diagnostics: Diagnostic[];
  /** Order files found, root-relative with forward slashes, sorted. */
  files: string[];
}

/** Reads ahead this many files while parsing; parsing is synchronous, reading is not. */
const READ_CONCURRENCY = 64;

export async function loadOrders(loaded: LoadedConfig): Promise<LoadedOrders> {
  const { rootDir, config } = loaded;
  const listed = await loadOrderFileList(rootDir, config.orders);
  const diagnostics = [...listed.diagnostics];
  const entries: { order: DesiredOrder; locateName: () => LocatedNode }[] = [];
  const texts = readAhead(listed.files.map((file) => path.join(rootDir, file)));
  for (let i = 0; i < listed.files.length; i += 1) {
    const file = listed.files[i]!;
    const text = await texts.next(i);
    if (typeof text !== "string") {
      diagnostics.push(
        createDiagnostic("order.unreadable", `cannot read the file: ${text.message}`, {
          file,
          line: 1,
          column: 1,
        }),
      );
      continue;
    }
    const parsed = parseOrderFile(text, file);
    diagnostics.push(...parsed.diagnostics);
    parsed.orders.forEach((order, index) =>
      entries.push({ order, locateName: parsed.nameLocations[index]! }),
    );
  }
  diagnostics.push(...createDuplicateNameDiagnostics(entries));
  // An ambiguous name addresses no order: every declaration of it is left out.
  const counts = new Map<string, number>();
  for (const { order } of entries) counts.set(order.name, (counts.get(order.name) ?? 0) + 1);
  const orders = entries
    .filter((e) => counts.get(e.order.name) === 1)
    .map((e) => e.order)
    .sort(compareOrders);
  return { orders, diagnostics: diagnostics.sort(compareDiagnostics), files: listed.files };
}

/** Project-wide diagnostics first, then by file, line and column (the sort is stable). */
function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.file ?? "";
  const fb = b.file ?? "";
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Every declaration of a name after the first (in file order) gets a diagnostic pointing back. */
function createDuplicateNameDiagnostics(
  entries: readonly { order: DesiredOrder; locateName: () => LocatedNode }[],
): Diagnostic[] {
  const first = new Map<string, DesiredOrder>();
  const diagnostics: Diagnostic[] = [];
  for (const { order, locateName } of entries) {
    const earlier = first.get(order.name);
    if (earlier === undefined) {
      first.set(order.name, order);
      continue;
    }
    const located = locateName();
    const where =
      earlier.source === undefined
        ? "another file"
        : `${earlier.source.file}:${earlier.source.line}:${earlier.source.column}`;
    diagnostics.push(
      createDiagnostic("order.duplicate-name", `order name "${order.name}" is already declared at ${where}`, {
        file: order.source?.file,
        ...located.position,
        sourceLine: located.sourceLine,
        hint: "names address orders in state and must be unique across all order files; rename one of them",
      }),
    );
  }
  return diagnostics;
}

/** Starts reads in file order, at most READ_CONCURRENCY ahead of the consumer. */
function readAhead(paths: readonly string[]): { next(index: number): Promise<string | Error> } {
  const pending = new Map<number, Promise<string | Error>>();
  let started = 0;
  const fill = (upTo: number): void => {
    while (started < paths.length && started <= upTo) {
      const p = paths[started]!;
      pending.set(
        started,
        readFile(p, "utf8").catch((error: unknown) =>
          error instanceof Error ? error : new Error(String(error)),
        ),
      );
      started += 1;
    }
  };
  return {
    async next(index) {
      fill(index + READ_CONCURRENCY);
      const result = await pending.get(index)!;
      pending.delete(index);
      return result;
    },
  };
}
