/**
 * Parsing and validation of create-order bodies the way Partner Center does it: property names and
 * enum values are matched case-insensitively (the documentation's own examples are PascalCase),
 * read-only members are ignored but still parsed, and failures carry the documented codes.
 */
import type { CreateLineItemBody, CreateOrderBody } from "../core/create-order-body.js";
import type { Catalog, CatalogOffer } from "./catalog.js";
import type { SandboxAzureSubscription } from "./defaults.js";

export interface ApiError {
  status: number;
  code: string;
  description: string;
}

/** A create-order line item as read: names and enum values in their documented spelling. */
export type NormalizedLineItem = CreateLineItemBody;
export type NormalizedOrderRequest = CreateOrderBody;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

type Json = Record<string, unknown>;

const BILLING_CYCLES: Record<string, string> = {
  unknown: "unknown",
  monthly: "monthly",
  annual: "annual",
  none: "none",
  onetime: "one_time",
  triennial: "triennial",
  biennial: "biennial",
};
const ORDER_STATUSES = ["unknown", "completed", "pending", "cancelled"];
const TERM_DURATIONS = ["P1M", "P1Y", "P3Y"];
const RENEWAL_TERMS = ["P1M", "P1Y"];
const RI_SCOPES = ["shared", "single"];
const RI_DURATIONS: Record<string, string> = { "1year": "1Year", "3years": "3Years" };
const MAX_ADDITIONAL_PARTNER_IDS = 5;

export function createApiError(status: number, code: string, description: string): ApiError {
  return { status, code, description };
}

function fail<T>(status: number, code: string, description: string): ParseResult<T> {
  return { ok: false, error: createApiError(status, code, description) };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Shallow copy with lower-cased keys; on a clash the last spelling wins, as a case-insensitive reader would. */
export function createLowerKeyed(value: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) out[k.toLowerCase()] = v;
  return out;
}

/** Lower-case, drop separators: "OneTime", "one_time" and "onetime" are the same enum member. */
export function normalizeBillingCycle(value: string): string | undefined {
  return BILLING_CYCLES[value.toLowerCase().replace(/[_\s-]/g, "")];
}

export function normalizeOrderStatus(value: string): string | undefined {
  const v = value.toLowerCase();
  return ORDER_STATUSES.includes(v) ? v : undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function enumError<T>(value: unknown, type: string): ParseResult<T> {
  return fail(400, "900126", `Unable to parse enum: '${String(value)}' is not a valid ${type}.`);
}

/** Structural checks that need no catalog: shapes, enums, line numbering. */
function parseOrderBody(body: unknown): ParseResult<{ order: Json; lines: Json[] }> {
  if (!isObject(body)) return fail(400, "800002", "Invalid request input: the body must be a JSON object.");
  const order = createLowerKeyed(body);
  if (present(order.billingcycle)) {
    if (typeof order.billingcycle !== "string" || normalizeBillingCycle(order.billingcycle) === undefined) {
      return enumError(order.billingcycle, "BillingCycleType");
    }
  }
  if (present(order.status)) {
    if (typeof order.status !== "string" || normalizeOrderStatus(order.status) === undefined) {
      return enumError(order.status, "OrderStatus");
    }
  }
  if (
    present(order.partneronrecordattestationaccepted) &&
    typeof order.partneronrecordattestationaccepted !== "boolean"
  ) {
    return fail(
      400,
      "800002",
      "Invalid request input: partnerOnRecordAttestationAccepted must be a boolean.",
    );
  }
  const rawLines = order.lineitems;
  if (!Array.isArray(rawLines) || rawLines.length === 0) {
    return fail(400, "800002", "Invalid request input: lineItems must be a non-empty array.");
  }
  const lines: Json[] = [];
  for (const [index, raw] of rawLines.entries()) {
    if (!isObject(raw))
      return fail(400, "800002", `Invalid request input: lineItems[${index}] must be an object.`);
    const line = createLowerKeyed(raw);
    const where = `lineItems[${index}]`;
    if (present(line.parentsubscriptionid)) {
      return fail(400, "2000", "ParentSubscriptionId is not supported for this request.");
    }
    if (!Number.isInteger(line.lineitemnumber)) {
      return fail(400, "800002", `Invalid request input: ${where}.lineItemNumber must be an integer.`);
    }
    if (typeof line.offerid !== "string" || line.offerid.trim() === "") {
      return fail(400, "800002", `Invalid request input: ${where}.offerId is required.`);
    }
    if (!Number.isInteger(line.quantity) || (line.quantity as number) < 1) {
      return fail(400, "800002", `Invalid request input: ${where}.quantity must be a positive integer.`);
    }
    if (present(line.termduration)) {
      if (
        typeof line.termduration !== "string" ||
        !TERM_DURATIONS.includes(line.termduration.toUpperCase())
      ) {
        return fail(
          400,
          "800002",
          `Invalid request input: ${where}.termDuration must be one of P1M, P1Y, P3Y.`,
        );
      }
    }
    for (const key of ["friendlyname", "partneridonrecord", "promotionid", "customtermenddate"]) {
      if (present(line[key]) && typeof line[key] !== "string") {
        return fail(400, "800002", `Invalid request input: ${where}.${key} must be a string.`);
      }
    }
    if (present(line.attestationaccepted) && typeof line.attestationaccepted !== "boolean") {
      return fail(400, "800002", `Invalid request input: ${where}.attestationAccepted must be a boolean.`);
    }
    if (present(line.additionalpartneridsonrecord)) {
      const ids = line.additionalpartneridsonrecord;
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
        return fail(
          400,
          "800002",
          `Invalid request input: ${where}.additionalPartnerIdsOnRecord must be an array of strings.`,
        );
      }
      if (ids.length > MAX_ADDITIONAL_PARTNER_IDS) {
        return fail(
          400,
          "800002",
          `Invalid request input: ${where}.additionalPartnerIdsOnRecord has ${ids.length} entries; only a maximum of 5 Indirect Resellers can be entered.`,
        );
      }
    }
    if (present(line.renewsto)) {
      // The docs' table says "array of objects"; the SDK and cart examples send one object. Accept both.
      const renews = Array.isArray(line.renewsto) ? line.renewsto[0] : line.renewsto;
      const term = isObject(renews) ? createLowerKeyed(renews).termduration : undefined;
      if (typeof term !== "string" || !RENEWAL_TERMS.includes(term.toUpperCase())) {
        return fail(
          400,
          "800002",
          `Invalid request input: ${where}.renewsTo.termDuration must be P1M or P1Y.`,
        );
      }
    }
    if (present(line.provisioningcontext)) {
      const ctx = line.provisioningcontext;
      if (!isObject(ctx) || Object.values(ctx).some((v) => typeof v !== "string")) {
        return fail(
          400,
          "800002",
          `Invalid request input: ${where}.provisioningContext must map names to strings.`,
        );
      }
    }
    lines.push(line);
  }
  const numbers = lines.map((l) => l.lineitemnumber as number).sort((a, b) => a - b);
  if (numbers.some((n, i) => n !== i)) {
    return fail(
      400,
      "800071",
      `Line Item number should be from 0 to number of line items count (got ${numbers.join(", ")} for ${lines.length} line items).`,
    );
  }
  return { ok: true, value: { order, lines } };
}

export interface OrderRequestContext {
  catalog: Catalog;
  azureSubscriptions: readonly SandboxAzureSubscription[];
}

/** Full validation of a create body against the catalog and the customer's Azure subscriptions. */
export function parseCreateOrderRequest(
  body: unknown,
  context: OrderRequestContext,
): ParseResult<NormalizedOrderRequest> {
  const structural = parseOrderBody(body);
  if (!structural.ok) return structural;
  const { order, lines } = structural.value;
  const offers: CatalogOffer[] = [];
  for (const line of lines) {
    const offer = context.catalog.byId.get((line.offerid as string).trim().toUpperCase());
    if (offer === undefined) return fail(400, "800004", `Invalid offer Id: ${String(line.offerid)}.`);
    offers.push(offer);
  }
  const first = offers[0] as CatalogOffer;
  // "unknown" is the SDK's unset member: its documented bodies send "BillingCycle": "unknown" and
  // get the default, "Monthly or OneTime at order creation" (Monthly for licences, as the
  // documented answer to that body shows; OneTime for reserved instances).
  const given =
    typeof order.billingcycle === "string" ? normalizeBillingCycle(order.billingcycle) : undefined;
  const billingCycle =
    given !== undefined && given !== "unknown"
      ? given
      : first.kind === "reservedInstance"
        ? "one_time"
        : "monthly";
  const lineItems: NormalizedLineItem[] = [];
  for (const [index, line] of lines.entries()) {
    const offer = offers[index] as CatalogOffer;
    const item = normalizeLineItem(line, offer);
    const problem = validateLineItem(item, offer, billingCycle, context);
    if (problem !== undefined) return { ok: false, error: problem };
    lineItems.push(item);
  }
  lineItems.sort((a, b) => a.lineItemNumber - b.lineItemNumber);
  const result: NormalizedOrderRequest = { billingCycle, lineItems };
  if (typeof order.partneronrecordattestationaccepted === "boolean") {
    result.partnerOnRecordAttestationAccepted = order.partneronrecordattestationaccepted;
  }
  return { ok: true, value: result };
}

function normalizeLineItem(line: Json, offer: CatalogOffer): NormalizedLineItem {
  const item: NormalizedLineItem = {
    lineItemNumber: line.lineitemnumber as number,
    offerId: offer.offerId,
    quantity: line.quantity as number,
  };
  if (typeof line.termduration === "string") item.termDuration = line.termduration.toUpperCase();
  else if (offer.termDurations[0] !== undefined) item.termDuration = offer.termDurations[0];
  if (typeof line.friendlyname === "string") item.friendlyName = line.friendlyname;
  if (typeof line.partneridonrecord === "string") item.partnerIdOnRecord = line.partneridonrecord;
  if (Array.isArray(line.additionalpartneridsonrecord))
    item.additionalPartnerIdsOnRecord = [...(line.additionalpartneridsonrecord as string[])];
  if (typeof line.attestationaccepted === "boolean") item.attestationAccepted = line.attestationaccepted;
  if (typeof line.promotionid === "string") item.promotionId = line.promotionid;
  if (typeof line.customtermenddate === "string") item.customTermEndDate = line.customtermenddate;
  if (present(line.renewsto)) {
    const renews = (Array.isArray(line.renewsto) ? line.renewsto[0] : line.renewsto) as Json;
    item.renewsTo = { termDuration: String(createLowerKeyed(renews).termduration).toUpperCase() };
  }
  if (isObject(line.provisioningcontext)) {
    const ctx: Record<string, string> = {};
    for (const [k, v] of Object.entries(line.provisioningcontext)) {
      const known = offer.provisioningVariables?.find((name) => name.toLowerCase() === k.toLowerCase());
      ctx[known ?? k] = v as string;
    }
    item.provisioningContext = ctx;
  }
  return item;
}

function validateLineItem(
  item: NormalizedLineItem,
  offer: CatalogOffer,
  billingCycle: string,
  context: OrderRequestContext,
): ApiError | undefined {
  const where = `lineItems[${item.lineItemNumber}]`;
  if (!offer.billingCycles.includes(billingCycle)) {
    return createApiError(
      400,
      "800002",
      `Invalid request input: billing cycle '${billingCycle}' is not available for offer ${offer.offerId} (allowed: ${offer.billingCycles.join(", ")}).`,
    );
  }
  if (
    item.termDuration !== undefined &&
    offer.termDurations.length > 0 &&
    !offer.termDurations.includes(item.termDuration)
  ) {
    return createApiError(
      400,
      "800002",
      `Invalid request input: ${where}.termDuration ${item.termDuration} is not available for offer ${offer.offerId} (allowed: ${offer.termDurations.join(", ")}).`,
    );
  }
  if (item.quantity < offer.minQuantity || item.quantity > offer.maxQuantity) {
    return createApiError(
      400,
      "2002",
      `Subscription quantity is not within minimum and maximum allowed quantity (${offer.minQuantity}..${offer.maxQuantity}) for offer ${offer.offerId}.`,
    );
  }
  if (offer.attestationRequired && item.attestationAccepted !== true) {
    return createApiError(400, "900203", `CatalogItemId: ${offer.offerId} requires attestation acceptance.`);
  }
  if (offer.provisioningVariables !== undefined && offer.provisioningVariables.length > 0) {
    return validateReservedInstance(item, offer, context);
  }
  return undefined;
}

function validateReservedInstance(
  item: NormalizedLineItem,
  offer: CatalogOffer,
  context: OrderRequestContext,
): ApiError | undefined {
  const where = `lineItems[${item.lineItemNumber}].provisioningContext`;
  const ctx = item.provisioningContext ?? {};
  for (const name of offer.provisioningVariables ?? []) {
    if (typeof ctx[name] !== "string" || ctx[name] === "") {
      return createApiError(
        400,
        "800002",
        `Invalid request input: ${where}.${name} is required for offer ${offer.offerId}.`,
      );
    }
  }
  const scope = (ctx.scope as string).toLowerCase();
  if (!RI_SCOPES.includes(scope)) {
    return createApiError(400, "800002", `Invalid request input: ${where}.scope must be shared or single.`);
  }
  const duration = RI_DURATIONS[(ctx.duration as string).toLowerCase()];
  if (duration === undefined) {
    return createApiError(400, "800002", `Invalid request input: ${where}.duration must be 1Year or 3Years.`);
  }
  const subscriptionId = (ctx.subscriptionId as string).toLowerCase();
  const subscription = context.azureSubscriptions.find((s) => s.id.toLowerCase() === subscriptionId);
  if (subscription === undefined) {
    return createApiError(
      400,
      "2094",
      "Subscription is not a valid Azure subscription. Only applicable for Azure Reserved VM Instance purchase.",
    );
  }
  if (!subscription.reservedInstancesEnabled) {
    return createApiError(
      400,
      "2095",
      "Subscription is not enabled for an Azure Reserved VM Instance purchase.",
    );
  }
  if (offer.inventoryAvailable === false) {
    return createApiError(400, "2093", "Inventory is not available for the catalog item selected.");
  }
  return undefined;
}

/**
 * A stable fingerprint of a request body for MS-RequestId replay: keys lower-cased and sorted, so
 * a retry that serialises the same order with different key order or casing still matches.
 */
export function createBodyFingerprint(customerId: string, body: unknown): string {
  return `${customerId.toLowerCase()}|${renderCanonical(body)}`;
}

function renderCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderCanonical).join(",")}]`;
  if (isObject(value)) {
    const entries = Object.entries(value)
      .map(([k, v]) => [k.toLowerCase(), v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${renderCanonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
