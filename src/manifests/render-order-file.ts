/**
 * The text of an order file that `orderform generate` writes (docs/generate.md): one YAML document,
 * made by the yaml library, that loads back (load-orders.ts) to exactly the declaration given.
 *
 * Contract: the text depends only on the declaration, the schema path and the note, never on the
 * clock, so a rerun after a crash between "files written" and "state written" recognizes a file
 * it wrote as its own (byte for byte) and adopts it instead of calling it a collision.
 */
import { Document } from "yaml";
import type { DesiredOrder } from "../core/model.js";

export function renderOrderFile(
  order: DesiredOrder,
  options: {
    /** The path of schemas/order.schema.json relative to the file, for the editor modeline. */
    schemaPath: string;
    /** Comment lines under the modeline (where the order came from). */
    note: readonly string[];
  },
): string {
  const doc = new Document({
    name: order.name,
    customer: order.customer,
    billingCycle: order.billingCycle,
    ...(order.partnerOnRecordAttestationAccepted === undefined
      ? {}
      : { partnerOnRecordAttestationAccepted: order.partnerOnRecordAttestationAccepted }),
    lineItems: order.lineItems.map((item) => ({
      offerId: item.offerId,
      quantity: item.quantity,
      ...(item.termDuration === undefined ? {} : { termDuration: item.termDuration }),
    })),
  });
  doc.commentBefore = [
    ` yaml-language-server: $schema=${options.schemaPath}`,
    ...options.note.map((l) => ` ${l}`),
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
