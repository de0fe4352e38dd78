/**
 * Content comparison: declaration vs applied content (conflicts), applied content vs what Partner
 * Center reports (drift), and an intent's content vs a listed order (adoption). Pure.
 */
import type { FieldDifference } from "./plan.js";
import type { DesiredLineItem, DesiredOrder, OrderContent, RemoteLineItem, RemoteOrder } from "./model.js";

/** The order in which content fields are listed, so that differences read like the YAML. */
const CONTENT_KEY_ORDER = ["customer", "billingCycle", "partnerOnRecordAttestationAccepted", "lineItems"];
const CONTENT_KEYS: ReadonlySet<string> = new Set(CONTENT_KEY_ORDER);
const LINE_ITEM_KEY_ORDER = [
  "lineItemNumber",
  "offerId",
  "quantity",
  "termDuration",
  "friendlyName",
  "partnerIdOnRecord",
  "additionalPartnerIdsOnRecord",
  "attestationAccepted",
  "renewsTo",
  "provisioningContext",
  "promotionId",
];

/**
 * Fields compared without regard to case: Partner Center treats offer ids and GUIDs
 * case-insensitively, so a case-only edit must not become a conflict (whose remedy buys again).
 */
const CASE_INSENSITIVE_KEYS = new Set(["offerId", "customer"]);

/** The purchase content of a declaration: everything but its name and source, in a stable key order. */
export function contentOf(order: DesiredOrder): OrderContent {
  const attestation = order.partnerOnRecordAttestationAccepted;
  return {
    customer: order.customer,
    billingCycle: order.billingCycle,
    ...(attestation === undefined ? {} : { partnerOnRecordAttestationAccepted: attestation }),
    lineItems: order.lineItems.map((item) => copyOrdered(item, LINE_ITEM_KEY_ORDER) as DesiredLineItem),
  };
}

/**
 * Field-by-field differences, `before` being the recorded side and `after` the new side. A field
 * present on one side only has null on the other (content never holds null itself). Arrays of
 * objects (line items) are compared per position; arrays of scalars as a whole.
 */
export function diffContent(before: OrderContent, after: OrderContent): FieldDifference[] {
  // Almost every comparison in a plan is of equal content: settle those without building paths
  // and key orders (half of planning 20,000 unchanged orders; docs/performance.md). isSameContent only says
  // yes where diffContentFully would find nothing (test/unit/core/compare.test.ts checks it).
  return isSameContent(before, after) ? [] : diffContentFully(before, after);
}

/**
 * isSameContent(content, contentOf(declared)) without building the content: a plan compares every
 * placed order with its declaration, and the copies were a tenth of planning 20,000 orders (docs/performance.md).
 */
export function isSameAsDeclared(content: OrderContent, declared: DesiredOrder): boolean {
  let defined = 0;
  for (const k in content) {
    const value = (content as unknown as Record<string, unknown>)[k];
    if (!Object.prototype.hasOwnProperty.call(content, k) || value === undefined) continue;
    if (!CONTENT_KEYS.has(k)) return false; // contentOf never holds another key
    defined += 1;
    if (!isSameContent(value, (declared as unknown as Record<string, unknown>)[k])) return false;
  }
  for (const k of CONTENT_KEY_ORDER) {
    if ((declared as unknown as Record<string, unknown>)[k] !== undefined) defined -= 1;
  }
  return defined === 0;
}

/**
 * diffContent(content, contentOf(declared)), building the declaration's content only when the two
 * differ (a plan compares every placed order and intent with its declaration).
 */
export function diffFromDeclared(content: OrderContent, declared: DesiredOrder): FieldDifference[] {
  return isSameAsDeclared(content, declared) ? [] : diffContentFully(content, contentOf(declared));
}

/** diffContent without the equal-content shortcut. */
export function diffContentFully(before: OrderContent, after: OrderContent): FieldDifference[] {
  const out: FieldDifference[] = [];
  diffValue("", before, after, "", out);
  return out;
}

/**
 * Strict structural equality of JSON-like data (a missing member equals an undefined one). It
 * answers false for anything whose comparison diffValue treats specially (arrays within arrays,
 * NaN, non-plain objects), leaving those to the full diff: false only ever costs time.
 */
export function isSameContent(a: unknown, b: unknown): boolean {
  if (a === b && (typeof a !== "object" || a === null)) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) {
      if (Array.isArray(a[i]) || !isSameContent(a[i], b[i])) return false;
    }
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b) || Array.isArray(b)) return false;
  let defined = 0;
  for (const k in a) {
    if (!Object.prototype.hasOwnProperty.call(a, k) || a[k] === undefined) continue;
    defined += 1;
    if (!isSameContent(a[k], b[k])) return false;
  }
  for (const k in b) {
    if (Object.prototype.hasOwnProperty.call(b, k) && b[k] !== undefined) defined -= 1;
  }
  return defined === 0;
}

function diffValue(path: string, before: unknown, after: unknown, key: string, out: FieldDifference[]): void {
  if (before === undefined && after === undefined) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const order =
      path === "" ? CONTENT_KEY_ORDER : /^lineItems\[\d+\]$/.test(path) ? LINE_ITEM_KEY_ORDER : [];
    for (const k of orderedKeys([...Object.keys(before), ...Object.keys(after)], order)) {
      diffValue(path === "" ? k : `${path}.${k}`, before[k], after[k], k, out);
    }
    return;
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    (before.some(isPlainObject) || after.some(isPlainObject))
  ) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i += 1) diffValue(`${path}[${i}]`, before[i], after[i], key, out);
    return;
  }
  if (!equalScalarOrArray(before, after, CASE_INSENSITIVE_KEYS.has(key))) {
    out.push({ path, before: before ?? null, after: after ?? null });
  }
}

function equalScalarOrArray(a: unknown, b: unknown, ignoreCase: boolean): boolean {
  if (typeof a === "string" && typeof b === "string")
    return ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equalScalarOrArray(x, b[i], ignoreCase));
  }
  if (isPlainObject(a) || isPlainObject(b)) return false; // object vs scalar: the shapes differ
  return a === b;
}

/**
 * Whether a listed order is the one an intent would have made: same customer and billing cycle,
 * same number of line items, and per position the same offer (case-insensitive), quantity and term.
 * Friendly names and partner ids are not compared: Partner Center does not echo all of them back.
 */
export function matchesRemote(content: OrderContent, remote: RemoteOrder): boolean {
  if (content.customer.toLowerCase() !== remote.customer.toLowerCase()) return false;
  if (!matchesBillingCycle(content.billingCycle, remote.billingCycle)) return false;
  const items = sortRemoteLineItems(remote.lineItems);
  if (items.length !== content.lineItems.length) return false;
  return content.lineItems.every((item, i) => {
    const r = items[i];
    return (
      r !== undefined &&
      item.offerId.toLowerCase() === r.offerId.toLowerCase() &&
      item.quantity === r.quantity &&
      normalizeEnum(item.termDuration ?? "") === normalizeEnum(r.termDuration ?? "")
    );
  });
}

/**
 * Differences between the applied content (before) and the line items Partner Center reports now
 * (after), on offer id (case-insensitive) and quantity: the fields every answer carries.
 */
export function diffRemoteLineItems(applied: OrderContent, remote: RemoteOrder): FieldDifference[] {
  const out: FieldDifference[] = [];
  const items = sortRemoteLineItems(remote.lineItems);
  if (items.length !== applied.lineItems.length) {
    out.push({ path: "lineItems.length", before: applied.lineItems.length, after: items.length });
  }
  const length = Math.min(items.length, applied.lineItems.length);
  for (let i = 0; i < length; i += 1) {
    const a = applied.lineItems[i] as DesiredLineItem;
    const r = items[i] as RemoteLineItem;
    if (a.offerId.toLowerCase() !== r.offerId.toLowerCase()) {
      out.push({ path: `lineItems[${i}].offerId`, before: a.offerId, after: r.offerId });
    }
    if (a.quantity !== r.quantity) {
      out.push({ path: `lineItems[${i}].quantity`, before: a.quantity, after: r.quantity });
    }
  }
  return out;
}

/**
 * Milliseconds since the epoch of an ISO-8601 date-time with a `Z` or `±HH:MM` offset, as Partner
 * Center writes them (up to 7 fractional digits, which are truncated to milliseconds). Undefined when
 * the text is not such a timestamp. Written by hand because src/core may not use the Date global.
 */
export function parseTimestampMs(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}:?\d{2})$/.exec(
      text,
    );
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = m[8] as string;
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const digits = zone.replace(":", "");
    const sign = digits.startsWith("-") ? -1 : 1;
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const days = daysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + millis;
}

/** The ISO-8601 UTC text of milliseconds since the epoch, as `Date#toISOString` writes it (years 0-9999). */
export function formatTimestampMs(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const rest = ms - days * 86_400_000;
  const { year, month, day } = civilFromDays(days);
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  const hour = Math.floor(rest / 3_600_000);
  const minute = Math.floor((rest % 3_600_000) / 60_000);
  const second = Math.floor((rest % 60_000) / 1000);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${pad(rest % 1000, 3)}Z`;
}

// Howard Hinnant's civil_from_days, the inverse of daysFromCivil below.
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

// Howard Hinnant's days_from_civil: proleptic Gregorian calendar, day 0 = 1970-01-01.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Partner Center spells enums in several ways (`OneTime`, `one_time`, `P1M`/`p1m`): compare loosely. */
/**
 * An order without a billing cycle ("unknown" once mapped) has the documented default: "Monthly
 * or OneTime", by offer. The offer's kind is not known here, so either default matches it; an
 * annual or triennial declaration does not (README.md, "Where Microsoft's docs disagree").
 */
function matchesBillingCycle(declared: string, remote: string): boolean {
  const wanted = normalizeEnum(declared);
  const actual = normalizeEnum(remote);
  if (actual === "unknown") return wanted === "monthly" || wanted === "onetime";
  return wanted === actual;
}

function normalizeEnum(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, "");
}

export function sortRemoteLineItems(items: readonly RemoteLineItem[]): readonly RemoteLineItem[] {
  // Partner Center lists line items in number order: no copy then (this runs for every listed order).
  for (let i = 1; i < items.length; i += 1) {
    if ((items[i - 1] as RemoteLineItem).lineItemNumber > (items[i] as RemoteLineItem).lineItemNumber)
      return [...items].sort((a, b) => a.lineItemNumber - b.lineItemNumber);
  }
  return items;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The preferred keys present, in their order, then the others in code-unit order; each once. */
function orderedKeys(keys: string[], preferred: readonly string[]): string[] {
  // Sets instead of includes(): this runs for every object of every compared order (docs/performance.md).
  const unique = new Set(keys);
  const out: string[] = [];
  for (const k of preferred) if (unique.has(k)) out.push(k);
  if (out.length === unique.size) return out;
  const known = readPreferredSet(preferred);
  const rest: string[] = [];
  for (const k of unique) if (!known.has(k)) rest.push(k);
  rest.sort(compareStrings);
  for (const k of rest) out.push(k);
  return out;
}

const preferredSets = new Map<readonly string[], ReadonlySet<string>>();

/** A Set of one of the module's key order lists, made once (other lists get a fresh one). */
function readPreferredSet(preferred: readonly string[]): ReadonlySet<string> {
  const cached = preferredSets.get(preferred);
  if (cached !== undefined) return cached;
  const set = new Set(preferred);
  if (preferred === CONTENT_KEY_ORDER || preferred === LINE_ITEM_KEY_ORDER) preferredSets.set(preferred, set);
  return set;
}

/** Deep copy of JSON-like data with undefined members dropped and the given keys first. */
function copyOrdered(value: unknown, preferred: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => copyOrdered(v, []));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of orderedKeys(Object.keys(value), preferred)) {
    if (value[k] !== undefined) out[k] = copyOrdered(value[k], []);
  }
  return out;
}

/** Code-unit order: locale-independent, so plans sort the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
