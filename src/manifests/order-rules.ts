/**
 * The order file vocabulary: which diagnostic code and hint each schema failure gets, and the
 * rules a JSON Schema cannot express (lineItemNumber equal to its position).
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import { createDiagnostic } from "../core/errors.js";
import type { OrderDocument, OrderLineItem } from "../generated/manifest-types.js";
import type { Diagnostic } from "../core/errors.js";
import { describeType, renderDataPath, renderValue } from "../source/schema-diagnostics.js";
import type { SchemaDiagnosticRules, SchemaIssue } from "../source/schema-diagnostics.js";
import type { DataPath, SourceDocument } from "../source/yaml-source.js";

/** The order schema's bounds (schemas/order.schema.json; a unit test keeps them equal). */
export const MAX_QUANTITY = 100_000;
export const MAX_LINE_ITEMS = 50;

export const orderSchemaRules: SchemaDiagnosticRules = {
  describeUnknownKey(path, key, suggestion, allowed) {
    if (key === "parentSubscriptionId") {
      return {
        code: "order.parent-subscription-id",
        message: `${renderDataPath(path)} is not accepted when placing an order`,
        hint: "Partner Center buys add-ons only by PATCHing the order that holds the parent subscription (a POST fails with error 2000); orderform does not do that yet, so remove the key and buy the add-on in Partner Center",
      };
    }
    return {
      code: "order.unknown-key",
      message: `unknown key "${key}"${path.length > 1 ? ` in ${renderDataPath(path.slice(0, -1))}` : ""}`,
      hint:
        suggestion !== undefined
          ? `did you mean "${suggestion}"?`
          : allowed.length > 0
            ? `allowed keys: ${allowed.join(", ")}`
            : undefined,
    };
  },

  describeMissingKey(path, key) {
    const where = path.length === 0 ? "order" : renderDataPath(path);
    return {
      code: "order.missing-field",
      message: `${where} is missing the required key "${key}"`,
      hint: MISSING_HINTS[key],
    };
  },

  describeInvalidValue(path, error, value) {
    return describeOrderValue(path, error, value);
  },
};

const PARTNER_ID_HINT = 'a Partner ID (MPN ID) is digits only, written as a quoted string such as "4847383"';

const MISSING_HINTS: Record<string, string> = {
  name: "give the order a unique name such as contoso/m365-business",
  customer: "set customer to the customer's tenant id (a GUID)",
  billingCycle: "set billingCycle to monthly, annual, triennial, one_time or none",
  lineItems: "add lineItems with at least one offerId and quantity",
  offerId: "set offerId, e.g. CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P (productId:skuId:availabilityId)",
  quantity: "set quantity to a positive integer",
  termDuration: "set termDuration to P1M or P1Y",
};

function describeOrderValue(path: DataPath, error: ErrorObject, value: unknown): SchemaIssue {
  const where = renderDataPath(path);
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  const got = `${describeType(value)} ${renderValue(value)}`;

  if (path.length === 0) {
    return {
      code: "order.invalid-type",
      message: `an order must be a mapping, got ${describeType(value)}`,
      hint: "start the document with keys such as name:, customer:, billingCycle: and lineItems:",
    };
  }
  switch (last) {
    case "name":
      return {
        code: "order.invalid-name",
        message: `name must be a path of letters, digits, ".", "_" and "-" segments separated by "/", got ${got}`,
        hint: "for example contoso/m365-business",
      };
    case "customer":
      return {
        code: "order.invalid-customer",
        message: `customer must be a tenant id (GUID), got ${got}`,
        hint: "the customer's Microsoft Entra tenant id, e.g. b0d70a69-4c42-4b27-b17b-91a835d8686a; quote it if YAML reads it as something else",
      };
    case "billingCycle":
      return {
        code: "order.invalid-billing-cycle",
        message: `billingCycle must be monthly, annual, triennial, one_time or none, got ${got}`,
        hint: "Azure reservations and software use one_time; licenses use monthly or annual",
      };
    case "lineItems":
      if (error.keyword === "maxItems") {
        return {
          code: "order.too-many-line-items",
          message: `lineItems lists ${Array.isArray(value) ? value.length : "too many"} line items; at most ${MAX_LINE_ITEMS} are allowed`,
          hint: `a Partner Center cart takes at most ${MAX_LINE_ITEMS} line items; split the order into several orders`,
        };
      }
      return error.keyword === "minItems"
        ? {
            code: "order.no-line-items",
            message: "lineItems is empty",
            hint: "an order needs at least one line item",
          }
        : {
            code: "order.invalid-type",
            message: `lineItems must be a list, got ${describeType(value)}`,
            hint: "write each line item as a '- offerId: ...' entry",
          };
    case "lineItemNumber":
      return {
        code: "order.line-item-number",
        message: `${where} must be an integer from 0 to ${MAX_LINE_ITEMS - 1}, got ${got}`,
        hint: "lineItemNumber may be left out; orderform numbers line items by position",
      };
    case "offerId":
      return {
        code: "order.invalid-offer-id",
        message: `${where} is not an offer id, got ${got}`,
        hint: "use productId:skuId:availabilityId (e.g. CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P), a legacy offer GUID, or MS-AZR-0145P",
      };
    case "quantity":
      if (error.keyword === "maximum") {
        const beyond = typeof value === "number" && !Number.isSafeInteger(value);
        return {
          code: "order.invalid-quantity",
          message: `${where} must be at most ${MAX_QUANTITY}, got ${beyond ? `a number beyond the safe integers (read as ${renderValue(value)})` : got}`,
          hint: `orderform bounds quantity at ${MAX_QUANTITY}, above every offer's own maximum; check the number for a typo`,
        };
      }
      return {
        code: "order.invalid-quantity",
        message: `${where} must be a positive integer, got ${got}`,
        hint:
          typeof value === "string"
            ? "write the number without quotes"
            : "quantity counts licenses (or instances): a whole number of at least 1",
      };
    case "termDuration":
      return parent === "renewsTo"
        ? {
            code: "order.invalid-renewal-term",
            message: `${where} must be P1M or P1Y, got ${got}`,
            hint: "subscriptions renew to a monthly (P1M) or yearly (P1Y) term",
          }
        : {
            code: "order.invalid-term",
            message: `${where} must be P1M, P1Y or P3Y, got ${got}`,
            hint: "ISO 8601 durations: P1M one month, P1Y one year, P3Y three years",
          };
    case "partnerIdOnRecord":
      return {
        code: "order.invalid-partner-id",
        message: `${where} must be a Partner ID (digits) as a string, got ${got}`,
        hint: typeof value === "number" ? `quote it: partnerIdOnRecord: "${value}"` : PARTNER_ID_HINT,
      };
    case "additionalPartnerIdsOnRecord":
      if (error.keyword === "maxItems") {
        return {
          code: "order.too-many-partner-ids",
          message: `${where} lists ${Array.isArray(value) ? value.length : "too many"} Partner IDs; at most 5 are allowed`,
          hint: "Partner Center accepts at most 5 additional indirect resellers per line item",
        };
      }
      if (error.keyword === "uniqueItems") {
        const { i, j } = error.params as { i: number; j: number };
        const items = Array.isArray(value) ? value : [];
        return {
          code: "order.duplicate-partner-ids",
          message: `${where} lists ${renderValue(items[j])} more than once (items ${j} and ${i})`,
          hint: "list each Partner ID once",
        };
      }
      return {
        code: "order.invalid-type",
        message: `${where} must be a list of Partner IDs, got ${describeType(value)}`,
      };
    case "renewsTo":
      return {
        code: "order.invalid-type",
        message: `${where} must be a mapping with termDuration, got ${describeType(value)}`,
        hint: "for example renewsTo: { termDuration: P1Y }",
      };
    case "provisioningContext":
      return {
        code: "order.invalid-provisioning-context",
        message: `${where} must be a mapping of names to string values, got ${describeType(value)}`,
        hint: "for Azure reservations: { subscriptionId: ..., scope: shared, duration: 1Year }",
      };
    case "partnerOnRecordAttestationAccepted":
    case "attestationAccepted":
      return {
        code: "order.invalid-type",
        message: `${where} must be true or false, got ${got}`,
        hint: typeof value === "string" ? "write true or false without quotes" : undefined,
      };
    default:
      break;
  }
  if (parent === "additionalPartnerIdsOnRecord") {
    return {
      code: "order.invalid-partner-id",
      message: `${where} must be a Partner ID (digits) as a string, got ${got}`,
      hint: typeof value === "number" ? `quote it: "${value}"` : PARTNER_ID_HINT,
    };
  }
  if (path.includes("provisioningContext")) {
    return error.propertyName !== undefined
      ? {
          code: "order.invalid-provisioning-context",
          message: `provisioning variable name ${renderValue(error.propertyName)} is not allowed`,
          hint: "names start with a letter and hold letters, digits and _",
        }
      : {
          code: "order.invalid-provisioning-context",
          message: `${where} must be a string, got ${got}`,
          hint: "quote values that YAML would read as numbers or booleans",
        };
  }
  if (typeof last === "number" && parent === "lineItems") {
    return {
      code: "order.invalid-type",
      message: `${where} must be a mapping, got ${describeType(value)}`,
      hint: "each line item needs at least offerId and quantity",
    };
  }
  return {
    code: "order.invalid-type",
    message: `${where} is not valid (${error.message ?? error.keyword}), got ${got}`,
  };
}

/**
 * Rules beyond the schema, run only on documents the schema accepted (so the shape is known).
 * quantity and lineItemNumber must be written as plain digits: YAML reads 1e3 and 1000.0 as the
 * number 1000, which the schema cannot tell from 1000, but what was written is no whole count.
 * lineItemNumber is optional, but when given it must equal the position: Partner Center rejects
 * anything else with 800071, and orderform must never reorder what the partner wrote.
 */
export function checkOrderRules(value: SchemaValidOrder, doc: SourceDocument, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  value.lineItems.forEach((item, index) => {
    for (const field of ["quantity", "lineItemNumber"] as const) {
      const path = ["lineItems", index, field];
      const written = item[field] === undefined ? undefined : doc.findNonDigitNumber(path);
      if (written === undefined) continue;
      const located = doc.locate(path);
      diagnostics.push(
        createDiagnostic(
          field === "quantity" ? "order.invalid-quantity" : "order.line-item-number",
          `${renderDataPath(path)} must be an integer written in digits, got ${written} (YAML reads it as the number ${renderValue(item[field])})`,
          {
            file,
            ...located.position,
            sourceLine: located.sourceLine,
            hint: `write it as ${String(item[field])}; float (1e3, 1000.0), hex and octal forms are not accepted`,
          },
        ),
      );
    }
    if (item.lineItemNumber !== undefined && item.lineItemNumber !== index) {
      const located = doc.locate(["lineItems", index, "lineItemNumber"]);
      diagnostics.push(
        createDiagnostic(
          "order.line-item-number",
          `lineItems[${index}].lineItemNumber is ${item.lineItemNumber} but the item is at position ${index}`,
          {
            file,
            ...located.position,
            sourceLine: located.sourceLine,
            hint: `line items count up from 0 in the order written; set it to ${index} or leave it out`,
          },
        ),
      );
    }
  });
  return diagnostics;
}

/**
 * The shape of a document that passed the order schema (enum spellings not yet normalized): the
 * types generated from order.schema.json (docs/schemas.md).
 */
export type SchemaValidOrder = OrderDocument;
export type SchemaValidLineItem = OrderLineItem;
