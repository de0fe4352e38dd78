/**
 * Which listed order, if any, a pending intent may adopt (docs/exactly-once.md, "Resume"). Pure.
 *
 * The intent's own request id is the authority on what it bought: apply re-sends it first and
 * records whatever the service answers. A listed order is only a fallback, and binding the wrong
 * one would leave state pointing at an order this run did not buy, so a candidate must be:
 * - of the intent's customer, with the intent's content;
 * - created no earlier than the intent (minus an allowance for clock skew);
 * - bound to no name in state (also not to an order a `--replace` superseded);
 * - the only such order, for the only pending intent of that customer with that content.
 * Anything ambiguous is left to the re-send.
 */
import { diffContent, matchesRemote, parseTimestampMs } from "./compare.js";
import type { PendingIntent, RemoteOrder, RemoteSnapshot, StateFile } from "./model.js";
import type { AdoptMode } from "./plan.js";
import { createOrderBindings } from "./duplicates.js";

/** Default allowance for clock skew between this machine and Partner Center when adopting. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * How long Partner Center is assumed to remember an MS-RequestId. The service does not document
 * it; past this age a re-send might place a second order instead of replaying the first, so an
 * intent this old adopts its candidate instead of re-sending. Deliberately short: binding an
 * order by the rules above is the smaller risk than buying twice.
 */
export const DEFAULT_REQUEST_ID_RETENTION_MS = 60 * 60_000;

export interface Adoption {
  order: RemoteOrder;
  mode: AdoptMode;
}

export function assignAdoptions(input: {
  intents: readonly PendingIntent[];
  state: StateFile | null;
  remote: RemoteSnapshot;
  nowMs: number;
  clockSkewMs: number;
  requestIdRetentionMs: number;
}): Map<string, Adoption> {
  const adoptions = new Map<string, Adoption>();
  if (input.intents.length === 0) return adoptions;
  const bound = new Set(createOrderBindings(input.state).keys());
  // Every pending intent counts for ambiguity, also those outside a --customer filter.
  const allIntents = Object.values(input.state?.pending ?? {});
  for (const intent of input.intents) {
    const startedMs = parseTimestampMs(intent.startedAt);
    if (startedMs === undefined) continue; // cannot tell before from after: re-send only
    const twin = allIntents.some(
      (other) =>
        other.name !== intent.name &&
        other.customer.toLowerCase() === intent.customer.toLowerCase() &&
        diffContent(other.content, intent.content).length === 0,
    );
    if (twin) continue;
    const candidates = (input.remote.lists[intent.customer.toLowerCase()] ?? []).filter((order) => {
      const createdMs = parseTimestampMs(order.creationDate);
      return (
        createdMs !== undefined &&
        createdMs >= startedMs - input.clockSkewMs &&
        !bound.has(order.id.toLowerCase()) &&
        matchesRemote(intent.content, order)
      );
    });
    const [only, ...others] = candidates;
    if (only === undefined || others.length > 0) continue;
    const mode: AdoptMode = input.nowMs - startedMs > input.requestIdRetentionMs ? "instead" : "fallback";
    adoptions.set(intent.name, { order: only, mode });
    bound.add(only.id.toLowerCase());
  }
  return adoptions;
}
