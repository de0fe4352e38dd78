/**
 * Checks made on YAML before it is turned into values, so that hostile or broken input gets a
 * diagnostic of its own instead of a crash or a generic error:
 * - nesting depth, measured on yaml's concrete syntax tree (built without recursion) before the
 *   composer and toJS, which recurse once per level and overflow the stack at a few thousand;
 * - aliases that name no anchor defined before them, which yaml reports only by throwing from
 *   toJS, without a position.
 * Pure: no I/O.
 */
import { isAlias, isCollection, isNode, isPair } from "yaml";
import type { Alias, CST, Document } from "yaml";

/**
 * Collections (mappings and sequences, block or flow) may nest this deep. An order nests 4 deep
 * (order, lineItems, a line item, renewsTo or provisioningContext) and a config 3; yaml's composer
 * overflows the stack somewhere past 800 levels on a main thread.
 */
export const MAX_YAML_DEPTH = 64;

/** Offset of the first collection nested deeper than MAX_YAML_DEPTH in any document, if any. */
export function findTooDeepOffset(tokens: readonly CST.Token[]): number | undefined {
  const stack: { token: CST.Token | undefined; depth: number }[] = tokens.map((token) => ({
    token,
    depth: 0,
  }));
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { token, depth } = next;
    if (token === undefined) continue;
    if (token.type === "document") {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection") {
      continue;
    }
    if (depth + 1 > MAX_YAML_DEPTH) return token.offset;
    for (const item of token.items) {
      stack.push({ token: item.key ?? undefined, depth: depth + 1 });
      stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * The first alias (in document order) whose anchor is not defined before it, as yaml resolves
 * them: an anchor counts from its node on, a later anchor of the same name replaces it. Assumes
 * the document's depth was checked (the walk recurses once per level).
 */
export function findUndefinedAlias(doc: Document.Parsed): Alias | undefined {
  const anchors = new Set<string>();
  const visit = (node: unknown): Alias | undefined => {
    if (isAlias(node)) return anchors.has(node.source) ? undefined : node;
    if (isPair(node)) return visit(node.key) ?? visit(node.value);
    if (!isNode(node)) return undefined;
    if (node.anchor !== undefined) anchors.add(node.anchor);
    if (!isCollection(node)) return undefined;
    for (const item of node.items) {
      const found = visit(item);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(doc.contents);
}
