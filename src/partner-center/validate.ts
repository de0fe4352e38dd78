/**
 * Response validation against schemas/partner-center/*.json. Extra fields are tolerated (the
 * service adds links, attributes, pricing...); a missing required field is reported with its path
 * so that a changed API fails loudly instead of being half-read.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import * as generated from "../generated/wire-validators.js";
import type { GeneratedValidator } from "../generated/wire-validators.js";

export interface WireLink {
  uri: string;
  method?: string;
  headers?: { key: string; value: string }[];
}

export interface WireLineItem {
  lineItemNumber: number;
  offerId: string;
  quantity: number;
  termDuration?: string;
  subscriptionId?: string;
  friendlyName?: string;
  partnerIdOnRecord?: string;
}

export interface WireOrder {
  id: string;
  alternateId?: string;
  referenceCustomerId?: string;
  billingCycle?: string;
  status: string;
  creationDate: string;
  lineItems: WireLineItem[];
}

export interface WireCollection {
  totalCount?: number;
  items: unknown[];
  links?: { self?: WireLink; next?: WireLink; previous?: WireLink };
}

export interface WireProvisioningStatusItem {
  lineItemNumber: number;
  status: string;
  quantityProvisioningInformation?: { quantity: number; status: string }[];
}

/** schemas/partner-center/subscription.json: strings may be null where the docs print null. */
export interface WireSubscription {
  id: string;
  quantity: number;
  status: string;
  offerId?: string;
  offerName?: string | null;
  entitlementId?: string | null;
  friendlyName?: string | null;
  unitType?: string | null;
  parentSubscriptionId?: string | null;
  creationDate?: string | null;
  effectiveStartDate?: string | null;
  commitmentEndDate?: string | null;
  cancellationAllowedUntilDate?: string | null;
  autoRenewEnabled?: boolean | null;
  billingType?: string | null;
  billingCycle?: string | null;
  termDuration?: string | null;
  contractType?: string | null;
  orderId?: string | null;
  attributes?: { etag?: string; objectType?: string };
}

export type WireErrorBody =
  | { code: string | number; description?: string; data?: unknown[]; source?: string }
  | { statusCode: number; message: string };

export interface WireToken {
  access_token: string;
  expires_in: number | string;
  token_type?: string;
}

export type WireShape = "order" | "collection" | "provisioningStatusItem" | "subscription" | "token";

/** A guard over the ahead-of-time compiled schema (scripts/generate-validators.mjs; docs/performance.md). */
function guard<T>(validate: GeneratedValidator): GeneratedValidator & ((value: unknown) => value is T) {
  return validate as GeneratedValidator & ((value: unknown) => value is T);
}

const validators = {
  order: guard<WireOrder>(generated.order),
  collection: guard<WireCollection>(generated.collection),
  provisioningStatusItem: guard<WireProvisioningStatusItem>(generated.provisioningStatusItem),
  subscription: guard<WireSubscription>(generated.subscription),
  token: guard<WireToken>(generated.token),
  error: guard<WireErrorBody>(generated.error),
};

export interface ShapeTypes {
  order: WireOrder;
  collection: WireCollection;
  provisioningStatusItem: WireProvisioningStatusItem;
  subscription: WireSubscription;
  token: WireToken;
}

/** Type guard: true when `value` has the wire shape (extra fields allowed). */
export function validateWire<S extends WireShape>(shape: S, value: unknown): value is ShapeTypes[S] {
  return validators[shape](value);
}

/** Null when valid, else a one-line description naming the first offending field. */
export function describeWireProblem(shape: WireShape, value: unknown): string | null {
  const validate = validators[shape];
  if (validate(value)) return null;
  return renderAjvError(validate.errors?.[0]);
}

export function validateErrorBody(value: unknown): value is WireErrorBody {
  return validators.error(value);
}

function renderAjvError(error: ErrorObject | undefined): string {
  if (error === undefined) return "does not match the expected shape";
  const at = error.instancePath === "" ? "the response" : error.instancePath;
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return `${at} is missing the required field "${missing ?? "?"}"`;
  }
  return `${at} ${error.message ?? "is invalid"}`;
}
