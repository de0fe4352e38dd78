import { describe, expect, it } from "vitest";
import { handleAdminNotFound, handlePatchOrder } from "../../../src/sandbox/admin-api.js";
import { handleCreateOrder } from "../../../src/sandbox/create-order.js";
import { handleToken, handleTokenMethodNotAllowed } from "../../../src/sandbox/oauth.js";
import {
  handleActivationLinks,
  handleListOrders,
  handleOrderMethodNotAllowed,
  handleOrderRouteNotFound,
} from "../../../src/sandbox/order-routes.js";
import { findRoute } from "../../../src/sandbox/route-table.js";

const C = "b0d70a69-4c42-4b27-b17b-91a835d8686a";

describe("the sandbox's route table", () => {
  it("finds order routes by method and pattern, with their stats template and parameters as sent", () => {
    const create = findRoute("POST", `/v1/customers/${C}/orders`);
    expect(create.handler).toBe(handleCreateOrder);
    expect(create.match.template).toBe("POST /v1/customers/{customerId}/orders");
    expect(create.match.rateLimited).toBe(true);
    expect(findRoute("GET", `/v1/customers/${C}/orders`).handler).toBe(handleListOrders);
    const links = findRoute("GET", `/v1/customers/${C}/orders/o%41/lineitems/0/activationlinks`);
    expect(links.handler).toBe(handleActivationLinks);
    expect(links.match.params).toEqual({ customerId: C, orderId: "o%41", lineItemNumber: "0" });
    expect(links.match.template).toBe(
      "GET /v1/customers/{customerId}/orders/{orderId}/lineitems/{lineItemNumber}/activationlinks",
    );
    expect(findRoute("GET", `/v1/customers/${C}/subscriptions`).match.rateLimited).toBe(false);
  });

  it("tells a wrong method (405) from no route (404), per area", () => {
    const wrong = findRoute("DELETE", `/v1/customers/${C}/orders`);
    expect(wrong.handler).toBe(handleOrderMethodNotAllowed);
    expect(wrong.match.template).toBe("DELETE /v1/customers/{customerId}/orders");
    expect(findRoute("GET", "/v1/customers//orders").handler).toBe(handleOrderRouteNotFound);
    expect(findRoute("GET", `/v1/customers/${C}/orders/`).handler).toBe(handleOrderRouteNotFound);
    expect(findRoute("GET", "/t/oauth2/token").handler).toBe(handleTokenMethodNotAllowed);
    expect(findRoute("GET", "/_sandbox/orders/x").handler).toBe(handleAdminNotFound);
    expect(findRoute("GET", "/_sandbox/nothing").handler).toBe(handleAdminNotFound);
  });

  it("lets an empty line item number through to its handler (800071), but no empty id", () => {
    expect(findRoute("GET", `/v1/customers/${C}/orders/o/lineitems//activationlinks`).handler).toBe(
      handleActivationLinks,
    );
    expect(findRoute("GET", `/v1/customers/${C}/orders//provisioningstatus`).handler).toBe(
      handleOrderRouteNotFound,
    );
  });

  it("gives the admin area every /_sandbox/ path and token paths precedence over /v1/", () => {
    expect(findRoute("POST", "/_sandbox/oauth2/token").handler).toBe(handleAdminNotFound);
    expect(findRoute("POST", "/v1/oauth2/token").handler).toBe(handleToken);
    expect(findRoute("POST", "/t/oauth2/v2.0/token").match.pattern).toBe("/{tenant}/oauth2/v2.0/token");
    const patch = findRoute("PATCH", "/_sandbox/orders/a/b");
    expect(patch.handler).toBe(handlePatchOrder);
    expect(patch.match.params).toEqual({ id: "a/b" });
  });

  it("answers a path outside every area as unknown", () => {
    const unknown = findRoute("GET", "/nothing");
    expect([handleOrderRouteNotFound, handleAdminNotFound]).not.toContain(unknown.handler);
    expect(unknown.match.params).toEqual({});
  });
});
