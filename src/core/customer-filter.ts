/**
 * The checks on `--customer` values (plan and apply), made before any request is sent: each must
 * be a tenant id (GUID) that a declared order or a state record names. Pure: the callers pass the
 * orders and the state they loaded.
 */
import { createDiagnostic } from "./errors.js";
import type { Diagnostic } from "./errors.js";
import type { DesiredOrder, StateFile } from "./model.js";
import { measureEditDistance } from "./suggest.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How many known customers a hint lists. */
const LISTED = 5;

/** One diagnostic per `--customer` value that is no GUID (cli.invalid-customer) or names no customer known here (cli.unknown-customer). */
export function checkCustomerFilter(
  customers: readonly string[],
  orders: readonly Pick<DesiredOrder, "customer">[],
  state: StateFile | null,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let known: string[] | undefined;
  for (const customer of customers) {
    if (!GUID.test(customer)) {
      diagnostics.push(
        createDiagnostic(
          "cli.invalid-customer",
          `--customer ${JSON.stringify(customer)} is not a tenant id (GUID)`,
          {
            hint: "pass the customer's Microsoft Entra tenant id, e.g. b0d70a69-4c42-4b27-b17b-91a835d8686a",
          },
        ),
      );
      continue;
    }
    known ??= listKnownCustomers(orders, state);
    const lower = customer.toLowerCase();
    if (known.includes(lower)) continue;
    diagnostics.push(
      createDiagnostic(
        "cli.unknown-customer",
        `--customer ${customer} is named by no declared order and no state record`,
        { hint: createUnknownHint(lower, known) },
      ),
    );
  }
  return diagnostics;
}

/** Whether every value is a GUID that the state names (the declarations may not be loaded yet). */
export function checkCustomersInState(customers: readonly string[], state: StateFile | null): boolean {
  return checkCustomerFilter(customers, [], state).length === 0;
}

/** The customers that declarations and state name, lower-case, sorted, each once. */
function listKnownCustomers(
  orders: readonly Pick<DesiredOrder, "customer">[],
  state: StateFile | null,
): string[] {
  const known = new Set<string>();
  for (const order of orders) known.add(order.customer.toLowerCase());
  if (state !== null) {
    for (const record of [
      ...Object.values(state.orders),
      ...Object.values(state.pending),
      ...Object.values(state.failures),
    ]) {
      known.add(record.customer.toLowerCase());
    }
  }
  return [...known].sort();
}

function createUnknownHint(customer: string, known: readonly string[]): string {
  if (known.length === 0) return "no order is declared or recorded yet, so --customer has nothing to select";
  // A GUID mistyped in a character or two, or with two characters swapped.
  const near = known.find((candidate) => measureEditDistance(customer, candidate) <= 2);
  if (near !== undefined) return `did you mean ${near}?`;
  const listed = known.slice(0, LISTED).join(", ");
  const more = known.length > LISTED ? ` and ${known.length - LISTED} more` : "";
  return `known customers: ${listed}${more}`;
}
