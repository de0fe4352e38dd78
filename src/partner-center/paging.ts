/**
 * Paging: reads every page of a Partner Center collection ({totalCount, items, links}), following
 * links.next and sending the MS-ContinuationToken it names as a header.
 *
 * Contract: each page is its own call with a new MS-RequestId (a page is not a retry of the one
 * before). Every item is checked against its wire shape. A next link to another host (the bearer
 * token must not leave the endpoint) and a next link that repeats a page are
 * partner-center.invalid-response.
 */
import { randomUUID } from "node:crypto";
import { createInvalidResponseError, parseAnswer, type Operation, type OperationSender } from "./attempts.js";
import type { ShapeTypes, WireCollection, WireShape } from "./validate.js";
import { resolveLinkPath } from "./wire.js";

/** The most pages one collection may have before it counts as a loop. */
const MAX_PAGES = 10_000;

/** Every item of the collection that `first` asks for, in order, each of shape `shape`. */
export async function fetchCollection<S extends WireShape>(
  sendOperation: OperationSender,
  baseUrl: string,
  shape: S,
  first: Omit<Operation, "requestId">,
): Promise<ShapeTypes[S][]> {
  const items: ShapeTypes[S][] = [];
  let path = first.path;
  let extraHeaders: Record<string, string> | undefined;
  const seenPages = new Set<string>();
  for (let page = 0; ; page += 1) {
    const op: Operation = {
      ...first,
      path,
      requestId: randomUUID(),
      ...(extraHeaders === undefined ? {} : { extraHeaders }),
    };
    const answer = await sendOperation(op);
    const collection: WireCollection = parseAnswer("collection", answer?.json, op);
    collection.items.forEach((item, index) => items.push(parseAnswer(shape, item, op, `items[${index}]: `)));
    const next = collection.links?.next;
    if (next === undefined) return items;
    const nextPath = resolveLinkPath(next.uri, baseUrl);
    if (nextPath === null)
      throw createInvalidResponseError(op, undefined, `links.next points to another host (${next.uri})`);
    const continuation = next.headers?.find((h) => h.key.toLowerCase() === "ms-continuationtoken")?.value;
    const pageKey = `${nextPath}\n${continuation ?? ""}`;
    if (seenPages.has(pageKey) || page >= MAX_PAGES)
      throw createInvalidResponseError(op, undefined, "links.next repeats a page");
    seenPages.add(pageKey);
    path = nextPath;
    extraHeaders = continuation === undefined ? undefined : { "ms-continuationtoken": continuation };
  }
}
