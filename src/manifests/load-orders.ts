/**
 * loadOrders: discover, read and parse every order file of a project, then apply the cross-file
 * rules. Returns diagnostics instead of throwing for anything the user wrote.
 */
import { readFileSync } from "node:fs";
import { setImmediate } from "node:timers/promises";
import path from "node:path";
import { createDiagnostic } from "../core/errors.js";
import { createStringPool, internStrings, REPEATED_KEYS } from "../core/intern.js";
import type { Diagnostic } from "../core/errors.js";
import type { DesiredOrder, SourceLocation } from "../core/model.js";
import { loadOrderFileList } from "./discover.js";
import { prepareSchemaValidators } from "../source/json-schemas.js";
import { compareOrders } from "./normalize-order.js";
import type { LocatedNode } from "../source/yaml-source.js";

export interface LoadedOrders {
  /** Valid orders only, sorted by customer then name. */
  orders: DesiredOrder[];
  diagnostics: Diagnostic[];
  /** Order files found, root-relative with forward slashes, sorted. */
  files: string[];
}

/** Where the order files are: the project root and the `orders` setting (a LoadedConfig fits). */
export interface OrderFilesSource {
  rootDir: string;
  config: { orders: string };
}

/** How long the loading runs before it lets other work in: a few ms, against 80 ms or more per list request. */
const LOAD_SLICE_MS = 4;

export async function loadOrders(loaded: OrderFilesSource): Promise<LoadedOrders> {
  const collector = createOrderCollector();
  return collector.finish(await readOrderFiles(loaded, collector.collect));
}

/** A share of the orders and diagnostics of the files read so far, in file order. */
export interface OrderBatch {
  orders: DesiredOrder[];
  diagnostics: Diagnostic[];
}

/** What the file loop learns besides the batches: the files, and the names declared twice. */
export interface OrderFilesRead {
  files: string[];
  ambiguous: string[];
}

/**
 * Lists and parses every order file, in file order, handing each file's orders and diagnostics to
 * `collect` and keeping no parsed order itself, so that a caller on another thread
 * (./load-orders-worker.ts) can pass them on and let them go.
 */
export async function readOrderFiles(
  loaded: OrderFilesSource,
  collect: (batch: OrderBatch) => void,
): Promise<OrderFilesRead> {
  const { rootDir, config } = loaded;
  const listed = await loadOrderFileList(rootDir, config.orders);
  collect({ orders: [], diagnostics: listed.diagnostics });
  if (listed.files.length === 0) return { files: [], ambiguous: [] };
  await prepareSchemaValidators();
  // Loaded only when there are order files: `yaml` is most of what an empty project's validate
  // would load at start-up (docs/performance.md, start-up).
  const { parseOrderFile } = await import("./parse-order-file.js");
  // Only the first declaration of each name is kept; a later one is located at once, so no
  // parsed YAML document outlives its file (20,000 retained documents cost ~100 MB of heap).
  const first = new Map<string, SourceLocation | undefined>();
  const ambiguous = new Set<string>();
  let sliceStart = performance.now();
  for (const file of listed.files) {
    // Reads that run beside the loading (plan lists state's customers meanwhile) are answered and
    // new ones sent between slices of files (docs/performance.md, "Plan cost").
    if (performance.now() - sliceStart >= LOAD_SLICE_MS) {
      await setImmediate();
      sliceStart = performance.now();
    }
    const text = readOrderText(path.join(rootDir, file));
    if (typeof text !== "string") {
      const diagnostic = createDiagnostic("order.unreadable", `cannot read the file: ${text.message}`, {
        file,
        line: 1,
        column: 1,
      });
      collect({ orders: [], diagnostics: [diagnostic] });
      continue;
    }
    const parsed = parseOrderFile(text, file);
    const batch: OrderBatch = { orders: [], diagnostics: parsed.diagnostics };
    parsed.orders.forEach((order, index) => {
      if (!first.has(order.name)) {
        first.set(order.name, order.source);
        batch.orders.push(order);
      } else {
        ambiguous.add(order.name);
        batch.diagnostics.push(
          createDuplicateNameDiagnostic(order, first.get(order.name), parsed.nameLocations[index]!),
        );
      }
    });
    collect(batch);
  }
  return { files: listed.files, ambiguous: [...ambiguous] };
}

/**
 * Gathers the batches of the file loop, here or from a worker (./order-files-worker.ts), and makes
 * loadOrders' result of them: an ambiguous name addresses no order, so every declaration of it is
 * left out.
 */
export function createOrderCollector(): {
  collect: (batch: OrderBatch) => void;
  finish: (read: OrderFilesRead) => LoadedOrders;
} {
  const orders: DesiredOrder[] = [];
  const diagnostics: Diagnostic[] = [];
  // Customer, offer and term ids repeat in every file, and structured clone copies every string
  // again: one copy each (src/core/intern.ts).
  const pool = createStringPool();
  return {
    collect: (batch) => {
      for (const order of batch.orders) orders.push(internStrings(order, pool, REPEATED_KEYS));
      diagnostics.push(...batch.diagnostics);
    },
    finish: (read) => {
      const ambiguous = new Set(read.ambiguous);
      const valid = ambiguous.size === 0 ? orders : orders.filter((o) => !ambiguous.has(o.name));
      return {
        orders: valid.sort(compareOrders),
        diagnostics: diagnostics.sort(compareDiagnostics),
        files: read.files,
      };
    },
  };
}

/** Project-wide diagnostics first, then by file, line and column (the sort is stable). */
function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.file ?? "";
  const fb = b.file ?? "";
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** A declaration of a name after the first (in file order), pointing back at the first. */
function createDuplicateNameDiagnostic(
  order: DesiredOrder,
  earlier: SourceLocation | undefined,
  locateName: () => LocatedNode,
): Diagnostic {
  const located = locateName();
  const where = earlier === undefined ? "another file" : `${earlier.file}:${earlier.line}:${earlier.column}`;
  return createDiagnostic(
    "order.duplicate-name",
    `order name "${order.name}" is already declared at ${where}`,
    {
      file: order.source?.file,
      ...located.position,
      sourceLine: located.sourceLine,
      hint: "names address orders in state and must be unique across all order files; rename one of them",
    },
  );
}

/**
 * Reads one order file synchronously. Order files are small and nothing else runs while they
 * load; a synchronous read costs a third of fs/promises readFile (open, fstat, read and close
 * each a thread-pool round trip), which was a quarter of a 20,000-file plan (docs/performance.md).
 */
function readOrderText(file: string): string | Error {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
