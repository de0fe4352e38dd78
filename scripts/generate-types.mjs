// Generates src/generated/*-types.ts: TypeScript declarations of the persisted and wire shapes,
// made by json-schema-to-typescript from the same JSON Schemas the validators are compiled from
// (scripts/generate-validators.mjs runs both; docs/schemas.md). The schemas are the one source of
// these shapes: the state and wire modules re-export the generated types, and the models that
// differ on purpose are checked against them at compile time (src/core/schema.type-check.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SCHEMA_DIR = `${ROOT}schemas/`;

/**
 * One generated file each. `names` gives a declaration's TypeScript name by its place in the
 * schemas (file, or file#/$defs/key); every exported name must be listed in `names`, and every
 * other $defs entry a listed one reaches is declared under its key in PascalCase.
 */
export const TYPE_FILES = [
  {
    file: "src/generated/manifest-types.ts",
    names: {
      "order.schema.json": "OrderDocument",
      "order.schema.json#/$defs/lineItem": "OrderLineItem",
    },
    exports: ["OrderDocument"],
  },
  {
    file: "src/generated/state-types.ts",
    names: {
      "state.schema.json": "StateFile",
      "state.schema.json#/$defs/stateOrder": "StateOrder",
      "state.schema.json#/$defs/orderContent": "StateOrderContent",
      "state.schema.json#/$defs/desiredLineItem": "StateLineItem",
      "state.schema.json#/$defs/pendingIntent": "PendingIntent",
      "state.schema.json#/$defs/failureRecord": "FailureRecord",
      "state.schema.json#/$defs/customerRecord": "CustomerRecord",
      "state.schema.json#/$defs/journalEntry": "JournalEntry",
      "state.schema.json#/$defs/historyMeta": "HistoryMeta",
      "state.schema.json#/$defs/billingCycle": "BillingCycle",
      "state.schema.json#/$defs/orderStatus": "OrderStatus",
      "state.schema.json#/$defs/origin": "StateOrderOrigin",
      "partner-center/order.json#/$defs/lineItem": "WireLineItem",
    },
    exports: ["StateFile", "JournalEntry", "HistoryMeta", "CustomerRecord"],
  },
  {
    file: "src/generated/plan-types.ts",
    names: {
      "plan.schema.json": "PlanDocument",
      "plan.schema.json#/$defs/lineItem": "PlanLineItem",
      "plan.schema.json#/$defs/content": "PlanContent",
      "plan.schema.json#/$defs/desiredOrder": "PlanDesiredOrder",
      "plan.schema.json#/$defs/remoteOrder": "PlanRemoteOrder",
      "plan.schema.json#/$defs/stateOrder": "PlanStateOrder",
      "plan.schema.json#/$defs/intent": "PlanIntent",
      "plan.schema.json#/$defs/action": "PlanDocumentAction",
      "plan.schema.json#/$defs/diagnostic": "PlanDiagnostic",
      "state.schema.json#/$defs/desiredLineItem": "StateLineItem",
      "state.schema.json#/$defs/billingCycle": "BillingCycle",
      "state.schema.json#/$defs/orderStatus": "OrderStatus",
      "state.schema.json#/$defs/origin": "StateOrderOrigin",
    },
    exports: ["PlanDocument"],
  },
  {
    file: "src/generated/wire-types.ts",
    names: {
      "partner-center/order.json": "WireOrder",
      "partner-center/order.json#/$defs/lineItem": "WireLineItem",
      "partner-center/collection.json": "WireCollection",
      "partner-center/collection.json#/$defs/link": "WireLink",
      "partner-center/collection.json#/$defs/provisioningStatusItem": "WireProvisioningStatusItem",
      "partner-center/subscription.json": "WireSubscription",
      "partner-center/customer.json": "WireCustomer",
      "partner-center/error.json": "WireErrorBody",
      "partner-center/error.json#/$defs/apiFault": "WireApiFault",
      "partner-center/error.json#/$defs/throttle": "WireThrottle",
      "partner-center/token.json": "WireToken",
      "partner-center/create-order.json": "WireCreateOrderBody",
      "partner-center/create-order.json#/$defs/lineItem": "WireCreateLineItem",
    },
    exports: [
      "WireOrder",
      "WireCollection",
      "WireProvisioningStatusItem",
      "WireSubscription",
      "WireCustomer",
      "WireErrorBody",
      "WireToken",
      "WireCreateOrderBody",
    ],
  },
];

/**
 * The generator's options. Objects without additionalProperties: false get no index signature
 * (the schemas leave nested records open for compatible additions, not for code to read unknown
 * keys); minItems/maxItems do not turn arrays into tuples.
 */
const OPTIONS = {
  additionalProperties: false,
  ignoreMinAndMaxItems: true,
  unreachableDefinitions: false,
  declareExternallyReferenced: true,
  enableConstEnums: false,
  format: true,
  bannerComment: "",
};

const pascalCase = (key) => key.charAt(0).toUpperCase() + key.slice(1);

/** A copy of schemas/<path> whose root and $defs carry the TypeScript names as titles. */
function readNamedSchema(path, names) {
  const schema = JSON.parse(readFileSync(`${SCHEMA_DIR}${path}`, "utf8"));
  delete schema.$id;
  schema.title = names[path] ?? pascalCase(path.replace(/^.*\//, "").replace(/\..*$/, ""));
  for (const [key, def] of Object.entries(schema.$defs ?? {})) {
    if (typeof def === "object") def.title = names[`${path}#/$defs/${key}`] ?? pascalCase(key);
  }
  return schema;
}

/** The schemas a $ref may reach, served to the generator from memory (named as above). */
const SCHEMA_FILES = [
  "order.schema.json",
  "state.schema.json",
  "plan.schema.json",
  "partner-center/order.json",
  "partner-center/collection.json",
  "partner-center/error.json",
  "partner-center/token.json",
  "partner-center/subscription.json",
  "partner-center/customer.json",
  "partner-center/create-order.json",
];

/** Generates one file's text; $refs between the schemas are resolved by path, as ajv does by $id. */
export async function generateTypes(entry) {
  const files = [...new Set(Object.keys(entry.names).map((place) => place.replace(/#.*$/, "")))];
  const byName = Object.fromEntries(Object.entries(entry.names).map(([place, name]) => [name, place]));
  // One root that refers to every exported declaration, so that each is declared once under its name.
  const root = {
    title: "GeneratedRoot",
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(entry.exports.map((name) => [name, { $ref: byName[name] }])),
  };
  const schemas = Object.fromEntries(
    SCHEMA_FILES.map((path) => [`${SCHEMA_DIR}${path}`, readNamedSchema(path, entry.names)]),
  );
  const code = await compile(root, "GeneratedRoot", {
    ...OPTIONS,
    cwd: SCHEMA_DIR,
    $refOptions: {
      resolve: {
        http: false,
        file: false,
        named: {
          order: 1,
          canRead: (file) => Object.hasOwn(schemas, file.url),
          read: (file) => JSON.stringify(schemas[file.url]),
        },
      },
    },
  });
  const body = code.replace(/^export interface GeneratedRoot \{[\s\S]*?\n\}\n/m, "");
  return [
    "/* eslint-disable */",
    `// Generated by scripts/generate-validators.mjs (json-schema-to-typescript) from schemas/{${files.join(",")}}; do not edit.`,
    "// The schemas are the source of these shapes: docs/schemas.md.",
    body.trimEnd(),
    "",
  ].join("\n");
}
