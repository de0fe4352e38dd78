/**
 * Derived MS-RequestIds for creates (docs/exactly-once.md, "Request ids").
 *
 * The id of a create is a function of the state's lineage, the order's name, the content sent and
 * the name's generation. Two runners acting on the same state (two checkouts, a re-run job) thus
 * send the same id for the same purchase, and Partner Center answers the second with the order the
 * first one made instead of placing another. The generation moves on after every definitive answer
 * (src/core/state-journal.ts), so a deliberate later purchase of the same name (after `--replace`,
 * `state rm`, or a refused attempt) gets a new id, as the service asks ("upon receiving a response,
 * the value should be reset for the next call").
 */
import { createCanonicalJson, createSha256Hex } from "./canonical.js";
import type { OrderContent } from "./model.js";

/** Versioned so that a future change of the rule can never produce an id an older rule produced. */
const REQUEST_ID_DOMAIN = "orderform/request-id/v1";

export interface RequestIdInput {
  lineage: string;
  name: string;
  content: OrderContent;
  generation: number;
}

/**
 * An RFC 9562 version 8 UUID (lower case) made of the first 122 bits of
 * SHA-256(domain, lineage, name, generation, canonical content). Offer ids and GUIDs are lower-cased
 * first, since Partner Center treats them without regard to case; everything else is sent as is.
 */
export function createRequestId(input: RequestIdInput): string {
  return formatUuidV8(
    createCanonicalJson([
      REQUEST_ID_DOMAIN,
      input.lineage.toLowerCase(),
      input.name,
      input.generation,
      normalizeContent(input.content),
    ]),
  );
}

/** The seat-change rule's own domain: no update id can equal a create's. */
const UPDATE_REQUEST_ID_DOMAIN = "orderform/request-id/update/v1";

export interface UpdateRequestIdInput {
  lineage: string;
  name: string;
  lineItemNumber: number;
  subscriptionId: string;
  /** Seat changes already recorded for this line item: the next change of it gets a new id. */
  changesRecorded: number;
  from: number;
  to: number;
  /**
   * The request id of the order's last refused seat change (any line item), if state keeps one: a
   * retry of the same change after a refusal is a new request, as Partner Center asks
   * (docs/exactly-once.md).
   */
  refusedRequestId?: string;
}

/**
 * The MS-RequestId of a seat change (docs/exactly-once.md, "Seat changes"): two runners that plan
 * the same change from the same state send the same id, and the service replays the first answer
 * instead of applying the change twice.
 */
export function createUpdateRequestId(input: UpdateRequestIdInput): string {
  return formatUuidV8(
    createCanonicalJson([
      UPDATE_REQUEST_ID_DOMAIN,
      input.lineage.toLowerCase(),
      input.name,
      input.lineItemNumber,
      input.subscriptionId.toLowerCase(),
      input.changesRecorded,
      input.from,
      input.to,
      input.refusedRequestId ?? null,
    ]),
  );
}

function formatUuidV8(material: string): string {
  const hex = createSha256Hex(new TextEncoder().encode(material)).slice(0, 32).split("");
  hex[12] = "8"; // version 8: custom
  hex[16] = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16); // variant 10xx
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function normalizeContent(content: OrderContent): OrderContent {
  return {
    ...content,
    customer: content.customer.toLowerCase(),
    lineItems: content.lineItems.map((item) => ({ ...item, offerId: item.offerId.toLowerCase() })),
  };
}
