/**
 * The create-order request body: what the client sends (src/partner-center/wire.ts) and what the
 * sandbox reads once it has matched names and enum values (src/sandbox/order-request.ts). Both
 * sides use the type generated from schemas/partner-center/create-order.json (docs/schemas.md);
 * it is named here because the sandbox imports only the core.
 */
export type {
  WireCreateLineItem as CreateLineItemBody,
  WireCreateOrderBody as CreateOrderBody,
} from "../generated/wire-types.js";
