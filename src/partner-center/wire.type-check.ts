/**
 * Compile-time checks that the client's models stay the wire shapes they are mapped from and to
 * (./wire.ts; docs/schemas.md): `npm run typecheck` fails when one drifts from its schema. Nothing
 * here runs. The helpers are the core's (../core/schema.type-check.ts); the checks live here
 * because the core may not import src/partner-center.
 */
import type { CreateLineItemBody } from "../core/create-order-body.js";
import type { DesiredLineItem } from "../core/model.js";
import type { Check, Equals, Fits, SameFields } from "../core/schema.type-check.js";
import type { ProvisioningStatusItem, Subscription } from "./types.js";
import type { WireProvisioningStatusItem, WireSubscription } from "./validate.js";

/** The wire shape as mapped: fields the service sends as null are left out instead. */
type WithoutNulls<T> = { [K in keyof T]: Exclude<T[K], null | undefined> };

/** The subscription fields mapped from wire fields of the same name. */
type MappedSubscription = Omit<Subscription, "etag" | "resource">;

type _WireChecks = Check<
  [
    // Every declared line item can be sent, and the create body has no field the model lacks
    // (customTermEndDate aside, which orderform does not send).
    Fits<DesiredLineItem, CreateLineItemBody>,
    SameFields<DesiredLineItem, Omit<CreateLineItemBody, "customTermEndDate">>,
    // The provisioning status is the wire item (statuses lower-cased).
    Equals<ProvisioningStatusItem, WireProvisioningStatusItem>,
    // A subscription's fields are the wire fields without nulls, plus the etag from attributes
    // and the resource as read; the wire fields it does not map are these (a new one must be
    // mapped or listed here).
    SameFields<MappedSubscription, WithoutNulls<Pick<WireSubscription, keyof MappedSubscription>>>,
    Equals<
      Exclude<keyof WireSubscription, keyof MappedSubscription>,
      "renewalTermDuration" | "partnerId" | "links" | "attributes"
    >,
    Equals<Subscription["etag"], NonNullable<WireSubscription["attributes"]>["etag"]>,
  ]
>;
