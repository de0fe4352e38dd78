/**
 * The generate operation (docs/generate.md): declare what Partner Center already holds. Under the
 * state lock (as import), it lists the partner's customers (or reads the ones given), lists their
 * orders in parallel, selects the orders nothing in state accounts for (src/core/generate-rules.ts),
 * reads the subscriptions of each customer with such an order (the seats now, which the files
 * declare; src/core/observed-seats.ts), names them (src/core/generate-names.ts), writes one order
 * file each, then records all of them as imported in one state version (history command
 * `generate`), each with the seats changed since it was placed as observed. It never buys anything.
 *
 * Order of effects, so that nothing is half-done: the out-dir and the customers are checked before
 * any file is written; the files of each customer are written as its list arrives (runEstate), and
 * removed again when the run fails before the state is written (a list that fails, a collision
 * anywhere, Ctrl-C); the records go in one commit after every file. A failure between files and
 * state (or a kill) leaves the files and says to run the same command again: the rerun names the
 * same orders the same way (the files are excluded from the names it avoids), finds each file
 * with exactly its content, adopts it and records it.
 */
import path from "node:path";
import { DEFAULT_CLOCK_SKEW_MS } from "../core/adoption.js";
import { contentOf } from "../core/compare.js";
import { createCustomerEntries } from "../core/customer-names.js";
import { OrderformError } from "../core/errors.js";
import { selectCustomerFolders, type TakenName } from "../core/generate-names.js";
import {
  compareGenerated,
  createDeclaredMatcher,
  createEmptySelection,
  createOrderAccounting,
  hasOrdersToDeclare,
  mergeSelection,
  selectCustomerOrders,
  selectLeftoverFiles,
  type GenerateCustomer,
  type GeneratedOrder,
  type GenerateSelection,
} from "../core/generate-rules.js";
import type { RemoteOrder, StateFile } from "../core/model.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import type { StateSession } from "../state/types.js";
import type { InvalidProject, OperationContext } from "./context.js";
import {
  checkOrderFiles,
  checkOutDir,
  createCollisionError,
  removeFiles,
  writeOrderFiles,
  type PlannedFile,
} from "./generate-files.js";
import { createImportedOrder } from "./import.js";
import { isInvalid, loadUsableProject, type Project } from "./load-project.js";
import { openPartnerCenter } from "./open-partner-center.js";
import { openStateStore, resolveFromLocation, selectParallelism } from "./project.js";
import { runPool } from "./run-pool.js";
import { createFilePath, createPlannedFile, readOwnFiles, selectObservedChanges } from "./generated-file.js";

export interface GenerateOptions {
  /** Only these customers (tenant ids); empty: every customer of the partner. */
  customers: string[];
  /** As given on the command line; undefined: orders/generated under the project root. */
  outDir?: string;
  dryRun: boolean;
  lockTimeoutMs: number;
  parallelism?: number;
}

export interface GeneratedFile {
  /** Project-root-relative, forward slashes. */
  file: string;
  name: string;
  customer: string;
  companyName: string;
  orderId: string;
  /** Already there with exactly this content (a rerun after a crash): recorded, not written. */
  adopted: boolean;
  /** Line items declared with their subscription's seats, which changed since the order was placed. */
  seatsChanged: number;
}

export interface GenerateSummary {
  kind: "generated" | "dry-run";
  /** Project-root-relative. */
  outDir: string;
  customers: number;
  orders: number;
  files: GeneratedFile[];
  cancelled: number;
  tracked: number;
  unsupported: Array<{ customer: string; orderId: string; reason: string }>;
  /** Orders a declaration not in state matches: left to `import NAME ORDER_ID`, not generated. */
  declared: Array<{ customer: string; orderId: string; name: string }>;
  /**
   * Files an earlier generate wrote and never recorded (killed before the state) for an order this
   * run does not declare (cancelled since, or accounted for otherwise): plan would buy them.
   */
  leftover: Array<{ file: string; name: string; orderId: string }>;
  /** The out-dir is not under the config's `orders`: validate and plan will not read the files. */
  outsideOrders: boolean;
}

export type GenerateResult = InvalidProject | GenerateSummary;

/** The first note line of a generated file, before the order id. */

export async function runGenerateOperation(
  ctx: OperationContext,
  options: GenerateOptions,
): Promise<GenerateResult> {
  const project = await loadUsableProject(ctx);
  if (isInvalid(project)) return project;
  const root = project.loaded.rootDir;
  const outDir =
    options.outDir === undefined
      ? path.join(root, "orders", "generated")
      : resolveFromLocation(ctx.location, options.outDir);
  const relative = (file: string): string => path.relative(root, file).split(path.sep).join("/");
  const parallelism = selectParallelism(options.parallelism, project.loaded);
  await checkOutDir(outDir, relative, !options.dryRun);
  const store = await openStateStore(project.loaded, ctx);
  const session = options.dryRun
    ? null
    : await store.open("generate", { timeoutMs: options.lockTimeoutMs, signal: ctx.signal });
  try {
    const state = session === null ? await store.read() : session.current();
    const ownFiles = await readOwnFiles(project, outDir);
    const pc = await openPartnerCenter(project.loaded, ctx.env, ctx.toolVersion, parallelism);
    const written: string[] = [];
    let run: EstateRun;
    try {
      run = await runEstate({
        client: pc.client,
        requested: options.customers,
        parallelism,
        ctx,
        state,
        taken: selectTakenNames(project, state, outDir),
        declaredBy: createDeclaredMatcher({ desired: project.orders, state, ownFiles }),
        plan: (generated) => createPlannedFile(generated, outDir, root),
        relative,
        write: session === null ? undefined : written,
      });
    } catch (error) {
      await removeFiles(written);
      throw error;
    } finally {
      await pc.close();
    }
    const { selection } = run;
    const adopted = new Set(run.adopted);
    const summary: GenerateSummary = {
      kind: options.dryRun ? "dry-run" : "generated",
      outDir: relative(outDir),
      customers: run.customers,
      orders: run.orders,
      files: selection.generated.map((generated) => ({
        file: relative(createFilePath(generated.declaration.name, outDir)),
        name: generated.declaration.name,
        customer: generated.declaration.customer,
        companyName: generated.companyName,
        orderId: generated.remote.id,
        adopted: adopted.has(createFilePath(generated.declaration.name, outDir)),
        seatsChanged: selectObservedChanges(generated).length,
      })),
      cancelled: selection.cancelled,
      tracked: selection.tracked,
      unsupported: selection.unsupported,
      declared: selection.declared,
      leftover: selectLeftoverFiles(ownFiles, state, selection.generated).map(([name, orderId]) => ({
        file: relative(createFilePath(name, outDir)),
        name,
        orderId,
      })),
      outsideOrders: isOutsideOrders(project, outDir),
    };
    if (session === null || selection.generated.length === 0) return summary;
    await recordGenerated(session, selection.generated, summary, options);
    return summary;
  } finally {
    await session?.release();
  }
}

interface EstateRun {
  customers: number;
  orders: number;
  /** Sorted by customer, then name. */
  selection: GenerateSelection;
  /** Absolute paths of the files that were there with exactly generate's content. */
  adopted: string[];
}

/**
 * The customers (all of the partner's, or the ones given), then each one's order list, in
 * parallel; as each list arrives, its orders are selected, named, rendered and checked against
 * the files there, and (`write` given) the new files are written, each added to `write`. Writing
 * while the other lists are read keeps generate bound by the API (docs/performance.md); it is safe
 * because a file of this run that outlives a failure is either removed by the caller or, after a
 * kill, adopted by the rerun. Collisions are collected over every customer and fail the run at
 * the end (after the lists), so that the error names them all.
 */
async function runEstate(input: {
  client: PartnerCenterClient;
  requested: readonly string[];
  parallelism: number;
  ctx: OperationContext;
  state: StateFile | null;
  taken: TakenName[];
  declaredBy: (order: RemoteOrder) => string | undefined;
  plan: (generated: GeneratedOrder) => PlannedFile;
  relative: (file: string) => string;
  write: string[] | undefined;
}): Promise<EstateRun> {
  const { client, parallelism, ctx, relative } = input;
  const signal = ctx.signal;
  const customers = await fetchCustomers(client, input.requested, parallelism, signal);
  const folders = selectCustomerFolders(
    customers.map((c) => ({ customer: c.id, companyName: c.companyName })),
    input.taken,
  );
  const used = new Set(input.taken.map((t) => t.name.toLowerCase()));
  const isAccounted = createOrderAccounting(input.state, DEFAULT_CLOCK_SKEW_MS);
  const selection = createEmptySelection();
  const adopted: string[] = [];
  const collisions: string[] = [];
  let orders = 0;
  let done = 0;
  // The first failure stops new work; the work in flight ends before the pool does, so that no
  // file is written after the caller removed this run's files.
  let failure: unknown;
  await runPool(customers, parallelism, async (customer) => {
    if (failure !== undefined) return;
    try {
      await readCustomer(customer);
    } catch (error) {
      failure ??= error;
    }
  });
  if (failure !== undefined) throw failure;
  if (collisions.length > 0) throw createCollisionError(collisions);
  selection.generated.sort(compareGenerated);
  return { customers: customers.length, orders, selection, adopted };

  async function readCustomer(customer: GenerateCustomer): Promise<void> {
    const list = await client.listOrders(customer.id, { signal });
    orders += list.length;
    // The seats now are on the subscriptions: read only for a customer with an order to declare.
    const subscriptions = hasOrdersToDeclare(list, isAccounted)
      ? await client.listSubscriptions(customer.id, { signal })
      : [];
    const part = selectCustomerOrders({
      customer,
      list,
      subscriptions,
      folder: folders.get(customer.id) ?? "",
      isAccounted,
      declaredBy: input.declaredBy,
      used,
    });
    mergeSelection(selection, part);
    const checked = await checkOrderFiles(part.generated.map(input.plan), relative);
    adopted.push(...checked.adopt.map((f) => f.path));
    collisions.push(...checked.collisions);
    if (input.write !== undefined && collisions.length === 0)
      await writeOrderFiles(checked.create, relative, input.write);
    done += 1;
    ctx.onEvent?.({ type: "list-progress", done, total: customers.length });
  }
}

/** All of the partner's customers, or the ones given (each must be the partner's). */
async function fetchCustomers(
  client: PartnerCenterClient,
  requested: readonly string[],
  parallelism: number,
  signal: AbortSignal,
): Promise<GenerateCustomer[]> {
  if (requested.length === 0) {
    const customers = await client.listCustomers({ signal });
    if (customers.length === 0)
      throw new OrderformError("generate.no-customers", "the partner has no customers: nothing to generate", {
        hint: "Check that the config signs in as the partner whose customers you mean (auth.tenantId).",
      });
    return customers;
  }
  const unique = [...new Set(requested.map((c) => c.toLowerCase()))];
  const found = new Map<string, GenerateCustomer | null>();
  await runPool(unique, parallelism, async (id) => {
    found.set(id, await client.getCustomer(id, { signal }));
  });
  const unknown = unique.filter((id) => found.get(id) === null);
  if (unknown.length > 0)
    throw new OrderformError(
      "generate.unknown-customer",
      `the partner has no customer ${unknown.join(", ")}; nothing was written`,
      {
        hint: "Pass the tenant id of one of the partner's customers; without --customer, generate lists them all.",
      },
    );
  return unique.map((id) => found.get(id) as GenerateCustomer);
}

/**
 * The names generate must not use: every name in state, and every declared name, except a
 * declaration that lives in exactly the file generate would write for that name (a file of an
 * earlier run that crashed before recording it: the rerun must give it the same name).
 */
function selectTakenNames(project: Project, state: StateFile | null, outDir: string): TakenName[] {
  const taken: TakenName[] = [];
  for (const record of Object.values(state?.orders ?? {}))
    taken.push({ name: record.name, customer: record.customer });
  for (const intent of Object.values(state?.pending ?? {}))
    taken.push({ name: intent.name, customer: intent.customer });
  for (const name of Object.keys(state?.failures ?? {})) taken.push({ name });
  for (const order of project.orders) {
    const file =
      order.source === undefined ? undefined : path.resolve(project.loaded.rootDir, order.source.file);
    if (file !== undefined && file === createFilePath(order.name, outDir)) continue;
    taken.push({ name: order.name, customer: order.customer });
  }
  return taken;
}

/** All records in one state version; a failure here leaves the files and says what to rerun. */
async function recordGenerated(
  session: StateSession,
  generated: readonly GeneratedOrder[],
  summary: GenerateSummary,
  options: GenerateOptions,
): Promise<void> {
  const now = new Date();
  // The names read for the customers of these orders are kept too (docs/state.md, "Customer names").
  const names = new Map(generated.map((g) => [g.declaration.customer, g.companyName]));
  const customers = createCustomerEntries(names, session.current(), {
    seenAt: now.toISOString(),
    update: true,
  });
  try {
    await session.appendAll([
      ...generated.map(({ declaration, remote, lineSubscriptions }) => ({
        type: "created" as const,
        order: createImportedOrder(declaration.name, contentOf(declaration), remote, lineSubscriptions, now),
      })),
      ...customers,
    ]);
    const seats = summary.files.reduce((sum, f) => sum + f.seatsChanged, 0);
    await session.commit({
      command: "generate",
      summary: `generated ${generated.length} order file(s) of ${summary.customers} customer(s) in ${summary.outDir}${seats === 0 ? "" : ` (seats observed on ${seats} line item(s))`}`,
    });
  } catch (error) {
    const rerun = ["orderform generate", ...options.customers.map((c) => `--customer ${c}`)];
    if (options.outDir !== undefined) rerun.push(`--out-dir ${options.outDir}`);
    const message = error instanceof Error ? error.message : String(error);
    throw new OrderformError(
      "generate.state-failed",
      `wrote ${generated.length} order file(s) under ${summary.outDir} but could not record them in state: ${message}`,
      {
        hint: `Nothing was bought. Fix the cause, then run \`${rerun.join(" ")}\` again: it adopts the files it wrote (unchanged) and records them. Do not edit or move them before.`,
        cause: error,
      },
    );
  }
}

/** Whether `outDir` lies outside the config's `orders` folder (a glob is taken as covering it). */
function isOutsideOrders(project: Project, outDir: string): boolean {
  const orders = project.loaded.config.orders;
  if (/[*?[{]/.test(orders)) return false;
  const rel = path.relative(path.resolve(project.loaded.rootDir, orders), outDir);
  return rel.startsWith("..") || path.isAbsolute(rel);
}
