/**
 * Response validation against schemas/partner-center/*.json. Extra fields are tolerated (the
 * service adds links, attributes, pricing...); a missing required field is reported with its path
 * so that a changed API fails loudly instead of being half-read.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import * as generated from "../generated/wire-validators.js";
import type { GeneratedValidator } from "../generated/wire-validators.js";

// The wire shapes are the schemas' (src/generated/wire-types.ts, docs/schemas.md).
export type {
  WireCollection,
  WireCustomer,
  WireErrorBody,
  WireLineItem,
  WireOrder,
  WireProvisioningStatusItem,
  WireSubscription,
  WireToken,
} from "../generated/wire-types.js";
import type {
  WireCollection,
  WireCustomer,
  WireErrorBody,
  WireOrder,
  WireProvisioningStatusItem,
  WireSubscription,
  WireToken,
} from "../generated/wire-types.js";

export type WireShape =
  "order" | "collection" | "provisioningStatusItem" | "subscription" | "customer" | "token";

/** A guard over the ahead-of-time compiled schema (scripts/generate-validators.mjs; docs/performance.md). */
function guard<T>(validate: GeneratedValidator): GeneratedValidator & ((value: unknown) => value is T) {
  return validate as GeneratedValidator & ((value: unknown) => value is T);
}

const validators = {
  order: guard<WireOrder>(generated.order),
  collection: guard<WireCollection>(generated.collection),
  provisioningStatusItem: guard<WireProvisioningStatusItem>(generated.provisioningStatusItem),
  subscription: guard<WireSubscription>(generated.subscription),
  customer: guard<WireCustomer>(generated.customer),
  token: guard<WireToken>(generated.token),
  error: guard<WireErrorBody>(generated.error),
};

export interface ShapeTypes {
  order: WireOrder;
  collection: WireCollection;
  provisioningStatusItem: WireProvisioningStatusItem;
  subscription: WireSubscription;
  customer: WireCustomer;
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
