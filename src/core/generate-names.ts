/**
 * The naming rule of `orderform generate` (docs/generate.md): each generated order is named
 * `CUSTOMER/OFFER` from the customer's company name and the order's offer, so that a partner
 * reading `orders/generated/` finds an order where they would look for it. Pure.
 *
 * Contract:
 * - Every name is a valid order name (schemas/order.schema.json: segments of letters, digits,
 *   `.`, `_`, `-` that start with a letter or digit, at most 200 characters).
 * - Names are unique among themselves and never equal a taken name (a state record, a pending
 *   create, another declaration), compared without regard to case: the name is also the file's
 *   path, and some file systems ignore case.
 * - Stable: the same candidates and taken names give the same names, whatever their input order.
 *   Within a customer folder, orders with the same offer are numbered by creation date, then id.
 * - A company name with no letter or digit left after folding accents (a name in a non-Latin
 *   script, say) becomes `customer-` and the first 8 characters of the tenant id. Two customers
 *   whose company names fold to the same folder (or whose folder a taken name of another customer
 *   already uses) each get their tenant id's first 8 characters appended.
 */

import { compareStrings } from "./compare.js";

export interface NameCandidate {
  customer: string; // lower-case GUID
  companyName: string;
  orderId: string;
  creationDate: string;
  /** The order's offer ids in line-item order (at least one). */
  offerIds: readonly string[];
}

export interface TakenName {
  name: string;
  /** The customer the name belongs to, when known (state records, declarations). */
  customer?: string;
}

/** The longest folder or offer segment: two of them and a suffix stay far below 200 characters. */
const MAX_SEGMENT = 80;

/** A segment from free text: accents folded, lower case, runs of other characters as one `-`. */
export function createNameSegment(text: string): string {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return folded.slice(0, MAX_SEGMENT).replace(/-+$/, "");
}

/** Order id -> generated name, for every candidate (each customer's orders named on their own). */
export function createGeneratedNames(
  candidates: readonly NameCandidate[],
  taken: readonly TakenName[],
): Map<string, string> {
  const folders = selectCustomerFolders(candidates, taken);
  const used = new Set(taken.map((t) => t.name.toLowerCase()));
  const byCustomer = new Map<string, NameCandidate[]>();
  for (const c of candidates) byCustomer.set(c.customer, [...(byCustomer.get(c.customer) ?? []), c]);
  const names = new Map<string, string>();
  for (const [customer, own] of byCustomer) {
    const folder = folders.get(customer) ?? bug(customer);
    for (const [orderId, name] of createCustomerNames(folder, own, used)) names.set(orderId, name);
  }
  return names;
}

/**
 * Order id -> name for the orders of one customer, in its folder (selectCustomerFolders), avoiding
 * `used` (the taken names, lower case). Folders belong to one customer each, so naming customer by
 * customer, in any order, gives the names createGeneratedNames gives.
 */
export function createCustomerNames(
  folder: string,
  candidates: readonly Pick<NameCandidate, "orderId" | "creationDate" | "offerIds">[],
  used: ReadonlySet<string>,
): Map<string, string> {
  const mine = new Set<string>();
  const names = new Map<string, string>();
  const sorted = [...candidates].sort(
    (a, b) => compareStrings(a.creationDate, b.creationDate) || compareStrings(a.orderId, b.orderId),
  );
  for (const candidate of sorted) {
    const base = `${folder}/${createOfferSegment(candidate.offerIds)}`;
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()) || mine.has(name.toLowerCase()); n += 1)
      name = `${base}-${n}`;
    mine.add(name.toLowerCase());
    names.set(candidate.orderId, name);
  }
  return names;
}

/**
 * Customer -> folder segment: the company name's, or with the tenant id's first 8 characters when
 * another customer (a candidate, or the customer of a taken name) has the same one; with the whole
 * tenant id in the unlikely case that this is taken too. Unique per customer, ignoring case.
 */
export function selectCustomerFolders(
  customers: readonly Pick<NameCandidate, "customer" | "companyName">[],
  taken: readonly TakenName[],
): Map<string, string> {
  const base = new Map<string, string>();
  for (const c of customers) {
    if (base.has(c.customer)) continue;
    base.set(c.customer, createNameSegment(c.companyName) || `customer-${createIdSegment(c.customer, 8)}`);
  }
  // Which customers each folder is already used by: the candidates, and the taken names whose
  // customer is known. A taken name of unknown customer makes no folder shared.
  const owners = new Map<string, Set<string>>();
  const addOwner = (folder: string, customer: string): void => {
    const key = folder.toLowerCase();
    const set = owners.get(key) ?? new Set<string>();
    set.add(customer);
    owners.set(key, set);
  };
  for (const [customer, folder] of base) addOwner(folder, customer);
  for (const t of taken) {
    const folder = t.name.split("/")[0];
    if (t.customer !== undefined && folder !== undefined && t.name.includes("/"))
      addOwner(folder, t.customer.toLowerCase());
  }
  const folders = new Map<string, string>();
  for (const [customer, folder] of base) {
    const shared = (owners.get(folder.toLowerCase())?.size ?? 0) > 1;
    folders.set(customer, shared ? `${folder}-${createIdSegment(customer, 8)}` : folder);
  }
  // A folder with a tenant id suffix may still meet another customer's folder: the whole id then.
  const seen = new Map<string, string>();
  for (const [customer, folder] of [...folders].sort(([a], [b]) => compareStrings(a, b))) {
    const key = folder.toLowerCase();
    const owner = seen.get(key);
    if (owner !== undefined && owner !== customer)
      folders.set(customer, `${folder}-${createIdSegment(customer, MAX_SEGMENT)}`);
    else seen.set(key, customer);
  }
  return folders;
}

/**
 * The first `length` characters of a tenant id, folded like a segment: a GUID is unchanged, and
 * an id Partner Center answers in another form never puts a `/` or `..` into a name (a file path).
 */
function createIdSegment(customer: string, length: number): string {
  return createNameSegment(customer).slice(0, length).replace(/-+$/, "") || "x";
}

/** The offer segment: the first line item's offer id, and how many more line items there are. */
function createOfferSegment(offerIds: readonly string[]): string {
  const first = createNameSegment(offerIds[0] ?? "") || "order";
  return offerIds.length > 1 ? `${first}-and-${offerIds.length - 1}-more` : first;
}

function bug(customer: string): never {
  throw new Error(`bug: no folder for customer ${customer}`);
}
