import { readFileSync } from "node:fs";

export type OfferKind = "license" | "reservedInstance" | "legacy";

export interface CatalogOffer {
  offerId: string;
  name: string;
  kind: OfferKind;
  /** Empty: the offer takes no termDuration (reserved instances, legacy offers). */
  termDurations: string[];
  billingCycles: string[];
  minQuantity: number;
  maxQuantity: number;
  attestationRequired: boolean;
  provisioningVariables?: string[];
  /** false: every purchase fails with 2093 (inventory not available). */
  inventoryAvailable?: boolean;
  unitType: string;
}

export interface Catalog {
  offers: CatalogOffer[];
  /** Keyed by upper-cased offer id: the service matches offer ids case-insensitively. */
  byId: Map<string, CatalogOffer>;
}

/**
 * The catalog ships as src/sandbox/catalog.json (package.json "files" lists it). Both
 * src/sandbox/catalog.ts and dist/sandbox/catalog.js sit two levels below the package root, so the
 * same relative URL finds it from sources (vitest) and from the build.
 */
const CATALOG_URL = new URL("../../src/sandbox/catalog.json", import.meta.url);

export function loadCatalog(): Catalog {
  const raw = JSON.parse(readFileSync(CATALOG_URL, "utf8")) as { offers: CatalogOffer[] };
  return createCatalog(raw.offers);
}

function createCatalog(offers: CatalogOffer[]): Catalog {
  return { offers, byId: new Map(offers.map((o) => [o.offerId.toUpperCase(), o])) };
}

/** Catalog offer ids are productId:skuId:availabilityId; legacy offers are GUIDs. */
export function parseCatalogOfferId(
  offerId: string,
): { productId: string; skuId: string; availabilityId: string } | undefined {
  const parts = offerId.split(":");
  if (parts.length !== 3) return undefined;
  const [productId, skuId, availabilityId] = parts as [string, string, string];
  return { productId, skuId, availabilityId };
}
