/**
 * One order file's text to DesiredOrders and Diagnostics. No file system access apart from the
 * one-time schema compilation; cross-file rules (unique names) live in load-orders.ts.
 */
import { createDiagnostic } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";
import type { DesiredOrder } from "../core/model.js";
import { loadSchemaValidator } from "../source/json-schemas.js";
import { normalizeOrder } from "./normalize-order.js";
import { checkOrderRules, orderSchemaRules } from "./order-rules.js";
import type { SchemaValidOrder } from "./order-rules.js";
import { createSchemaDiagnostics } from "../source/schema-diagnostics.js";
import { parseYamlSource } from "../source/yaml-source.js";
import type { LocatedNode } from "../source/yaml-source.js";

export interface ParsedOrderFile {
  orders: DesiredOrder[];
  /** Parallel to `orders`: where each order's name is written, for cross-file diagnostics. */
  nameLocations: (() => LocatedNode)[];
  diagnostics: Diagnostic[];
}

/** `file` is the path shown in diagnostics and recorded as the orders' source (root-relative). */
export function parseOrderFile(text: string, file: string): ParsedOrderFile {
  const parsed = parseYamlSource(text, file, "yaml");
  const diagnostics = parsed.diagnostics;
  const orders: DesiredOrder[] = [];
  const nameLocations: (() => LocatedNode)[] = [];
  const validate = loadSchemaValidator("order");
  let documents = 0;
  for (const doc of parsed.documents) {
    // An empty document (only comments, or a trailing `---`) declares nothing.
    if (doc.value === undefined || doc.value === null) continue;
    documents += 1;
    if (!validate(doc.value)) {
      diagnostics.push(...createSchemaDiagnostics(validate.errors ?? [], doc, file, orderSchemaRules));
      continue;
    }
    const value = doc.value as SchemaValidOrder;
    const ruleDiagnostics = checkOrderRules(value, doc, file);
    if (ruleDiagnostics.length > 0) {
      diagnostics.push(...ruleDiagnostics);
      continue;
    }
    orders.push(normalizeOrder(value, { file, line: doc.start.line, column: doc.start.column }));
    nameLocations.push(() => doc.locate(["name"]));
  }
  if (documents === 0 && parsed.diagnostics.length === 0) {
    diagnostics.push(
      createDiagnostic("order.empty-file", "the file declares no orders", {
        severity: "warning",
        file,
        line: 1,
        column: 1,
        hint: "add an order document or delete the file",
      }),
    );
  }
  return { orders, nameLocations, diagnostics };
}
