/**
 * "Never buy blindly next to an identical order" (docs/exactly-once.md, "Duplicates"). Pure.
 *
 * State is a file that can be rolled back, lost with a runner, or checked out twice; Partner
 * Center's order list is the one thing every runner sees. So before a create, the customer's list
 * is searched for an order with the same content that nothing orderform knows accounts for, and
 * the create is blocked with the remedies: `import` it, `state mv` a renamed record, or
 * `--allow-duplicate NAME` for a deliberate second purchase. The same check runs again inside the
 * lock when a saved plan is applied, against lists fetched then.
 */
import { compareStrings, diffContent, matchesRemote, parseTimestampMs } from "./compare.js";
import { createDiagnostic } from "./errors.js";
import type { Diagnostic } from "./errors.js";
import type {
  PendingIntent,
  RemoteOrder,
  RemoteSnapshot,
  SourceLocation,
  StateFile,
  StateOrder,
} from "./model.js";
import type { CreateAction } from "./plan.js";

export interface DuplicateCheckInput {
  creates: readonly { action: CreateAction; source?: SourceLocation }[];
  state: StateFile | null;
  lists: RemoteSnapshot["lists"];
  /** Names declared in the project (within the plan's customer filter or not). */
  declaredNames: ReadonlySet<string>;
  allowDuplicate: ReadonlySet<string>;
  clockSkewMs: number;
}

/** One error diagnostic per blocked create; empty when every create may go ahead. */
export function checkCreateDuplicates(input: DuplicateCheckInput): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (input.creates.length === 0) return diagnostics;
  const accounted = createAccountedOrderIds(input.state, input.lists, input.clockSkewMs);
  const undeclared = Object.values(input.state?.orders ?? {}).filter((o) => !input.declaredNames.has(o.name));
  for (const { action, source } of input.creates) {
    if (input.allowDuplicate.has(action.name)) continue;
    const where = source === undefined ? {} : { file: source.file, line: source.line, column: source.column };
    const renamed =
      action.replaces === undefined
        ? undeclared.filter(
            (o) =>
              o.customer.toLowerCase() === action.customer.toLowerCase() &&
              diffContent(o.applied, action.content).length === 0,
          )
        : [];
    const first = renamed.sort((a, b) => compareStrings(a.name, b.name))[0];
    if (first !== undefined) {
      diagnostics.push(createRenamedDiagnostic(action.name, first, where));
      continue;
    }
    const untracked = (input.lists[action.customer.toLowerCase()] ?? [])
      .filter(
        (order) =>
          order.status !== "cancelled" &&
          !accounted.has(order.id.toLowerCase()) &&
          matchesRemote(action.content, order),
      )
      .sort((a, b) => compareStrings(a.creationDate, b.creationDate) || compareStrings(a.id, b.id));
    if (untracked.length > 0) diagnostics.push(createUntrackedDiagnostic(action, untracked, where));
  }
  return diagnostics;
}

/**
 * Every order id state binds to a name (lower case) -> that name: the recorded orders, and the
 * orders a `--replace` superseded (they still exist and are still this state's).
 */
export function createOrderBindings(state: StateFile | null): Map<string, string> {
  const bindings = new Map<string, string>();
  for (const order of Object.values(state?.orders ?? {})) {
    bindings.set(order.orderId.toLowerCase(), order.name);
    for (const old of order.replaced ?? []) bindings.set(old.orderId.toLowerCase(), order.name);
  }
  return bindings;
}

/**
 * Whether a pending intent may have placed a listed order: the intent's customer and content, and
 * created no earlier than the intent minus the skew allowance (unreadable times count as may).
 */
export function mayIntentHavePlaced(intent: PendingIntent, order: RemoteOrder, clockSkewMs: number): boolean {
  if (intent.customer.toLowerCase() !== order.customer.toLowerCase()) return false;
  const startedMs = parseTimestampMs(intent.startedAt);
  const createdMs = parseTimestampMs(order.creationDate);
  const afterIntent =
    startedMs === undefined || createdMs === undefined || createdMs >= startedMs - clockSkewMs;
  return afterIntent && matchesRemote(intent.content, order);
}

/**
 * Listed orders that something in state accounts for: every order bound to a name
 * (createOrderBindings), and every listed order a pending intent may have placed.
 */
export function createAccountedOrderIds(
  state: StateFile | null,
  lists: RemoteSnapshot["lists"],
  clockSkewMs: number,
): Set<string> {
  const ids = new Set(createOrderBindings(state).keys());
  for (const intent of Object.values(state?.pending ?? {})) {
    for (const order of lists[intent.customer.toLowerCase()] ?? []) {
      if (mayIntentHavePlaced(intent, order, clockSkewMs)) ids.add(order.id.toLowerCase());
    }
  }
  return ids;
}

function createUntrackedDiagnostic(
  action: CreateAction,
  orders: readonly RemoteOrder[],
  where: Partial<Pick<Diagnostic, "file" | "line" | "column">>,
): Diagnostic {
  const [first, ...rest] = orders as [RemoteOrder, ...RemoteOrder[]];
  const more = rest.length === 0 ? "" : ` (and ${rest.length} more: ${rest.map((o) => o.id).join(", ")})`;
  return createDiagnostic(
    "plan.untracked-duplicate",
    `${action.name} would buy an order identical to order ${first.id} (created ${first.creationDate}) of customer ${action.customer}${more}, which no state record or pending create accounts for`,
    {
      ...where,
      hint: `If that is this declaration's order (bought from another checkout, by a re-run whose state was not saved, or before \`state rm\`), record it: \`orderform import ${action.name} ${first.id}\`. To buy a second, identical order on purpose: \`orderform plan --allow-duplicate ${action.name}\`.`,
    },
  );
}

function createRenamedDiagnostic(
  name: string,
  record: StateOrder,
  where: Partial<Pick<Diagnostic, "file" | "line" | "column">>,
): Diagnostic {
  return createDiagnostic(
    "plan.renamed-order",
    `${name} is not in state, but ${record.name} (order ${record.orderId}, created ${record.creationDate}), which is no longer declared, has exactly its content`,
    {
      ...where,
      hint: `If you renamed the order, move its record: \`orderform state mv ${record.name} ${name}\`. To buy a second, identical order on purpose: \`orderform plan --allow-duplicate ${name}\`.`,
    },
  );
}
