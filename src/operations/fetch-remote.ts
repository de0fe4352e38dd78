/**
 * Fetching the remote side of a plan: each needed customer's order list, in parallel up to
 * --parallelism (./remote-reader.ts), then GET by id only for state orders missing from their list
 * beyond the visibility window. One list request per customer and none per order when the lists are
 * complete (docs/planning.md, "Looking at Partner Center").
 *
 * Fail fast (docs/sign-in.md): a sign-in or authorization failure stops the reads and is thrown as
 * one error, instead of one diagnostic per customer. A 403 about one customer (no relationship,
 * agreement not accepted, account under review) is that customer's diagnostic; the others are
 * planned.
 */
import type { Diagnostic } from "../core/errors.js";
import { createDiagnostic, OrderformError } from "../core/errors.js";
import type { DesiredOrder, RemoteSnapshot, StateFile } from "../core/model.js";
import { compareStrings } from "../core/compare.js";
import { selectCustomersToName } from "../core/customer-names.js";
import { selectCustomersToList, selectCustomersWithWork, selectOrdersToFetch } from "../core/plan-scope.js";
import type { PlanRefresh } from "../core/plan.js";
import { selectRefusalScope } from "../partner-center/errors.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import { createRemoteReader, type RemoteReader } from "./remote-reader.js";

export interface FetchRemoteInput {
  client: PartnerCenterClient;
  desired: DesiredOrder[];
  state: StateFile | null;
  now: string;
  customers: string[];
  /** --replace names: a `--refresh=false` plan lists their customers too. */
  replace: string[];
  /** "skipped" lists only the customers with work (docs/planning.md, "Refresh"). */
  refresh: PlanRefresh;
  visibilityWindowMs: number;
  parallelism: number;
  signal?: AbortSignal;
  /** One more customer's list was read (or failed), of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** Reads already under way (plan lists state's customers while the order files load); else a new reader. */
  reader?: RemoteReader;
}

export async function fetchRemoteSnapshot(
  input: FetchRemoteInput,
): Promise<{ remote: RemoteSnapshot; diagnostics: Diagnostic[] }> {
  const options = {
    customers: input.customers,
    replace: input.replace,
    visibilityWindowMs: input.visibilityWindowMs,
  };
  const reader =
    input.reader ??
    createRemoteReader({
      client: input.client,
      state: input.state,
      parallelism: input.parallelism,
      ...(input.signal === undefined ? {} : { signal: input.signal }),
      ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
    });
  const customers =
    input.refresh === "skipped"
      ? selectCustomersWithWork({ desired: input.desired, state: input.state, now: input.now, options })
      : selectCustomersToList(input.desired, input.state, options);
  // Names (docs/planning.md, "Customer names"): a tenant id that is not the partner's customer is
  // one diagnostic. Its list is still requested, so that another partner's customer (403) stops
  // the run as an authorization failure; any other failure of that list adds nothing to the
  // diagnostic.
  if (input.refresh !== "only")
    reader.startNaming(
      selectCustomersToName({ desired: input.desired, state: input.state, customers: input.customers }),
    );
  reader.startListing(customers);
  const listed = await reader.finish();
  reader.startFetching(
    selectOrdersToFetch({
      desired: input.desired,
      state: input.state,
      lists: listed.lists,
      now: input.now,
      options,
    }),
  );
  const reads = await reader.finish();
  const remote: RemoteSnapshot = { lists: reads.lists, byId: reads.byId };
  if (Object.keys(reads.companyNames).length > 0) remote.companyNames = reads.companyNames;
  if (Object.keys(reads.subscriptions).length > 0) remote.subscriptions = reads.subscriptions;
  const unknown = new Set(reads.unknown);
  const diagnostics = [
    ...reads.unknown.map((customer) => createUnknownCustomerDiagnostic(customer, input.desired)),
    ...reads.failures
      .filter((f) => f.listed === undefined || !unknown.has(f.listed))
      .map((f) => createFetchDiagnostic(f.what, f.error)),
  ];
  // Diagnostics in code-unit order (not the machine's locale), so that output is stable. The
  // lists' key order matters to nothing: the planner looks customers up by id.
  return { remote, diagnostics: diagnostics.sort((a, b) => compareStrings(a.message, b.message)) };
}

function createUnknownCustomerDiagnostic(customer: string, desired: readonly DesiredOrder[]): Diagnostic {
  const names = desired.filter((d) => d.customer.toLowerCase() === customer).map((d) => d.name);
  return createDiagnostic(
    "plan.unknown-customer",
    `customer ${customer} is not one of the partner's customers (Partner Center does not know the tenant id); ${names.length === 1 ? "its order" : `its ${names.length} orders`} (${names.join(", ")}) ${names.length === 1 ? "was" : "were"} not planned`,
    {
      hint: "Check the GUID in the order file's `customer:`: it is the customer's Microsoft Entra tenant id, as `orderform generate` or the Partner Center portal shows it.",
    },
  );
}

function createFetchDiagnostic(what: string, error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  const customerRefused = selectRefusalScope(error, "read") === "customer";
  return createDiagnostic(
    error instanceof OrderformError ? error.code : "remote.fetch-failed",
    `${what} failed: ${message}`,
    {
      hint: customerRefused
        ? "Partner Center refused this customer (relationship, agreement or account review); nothing was planned for it, the other customers were."
        : "Check the endpoint, credentials and the customer id; nothing was planned for it.",
    },
  );
}
