/**
 * Which Partner Center refusals stop a run (docs/sign-in.md, "Which refusals stop the run"): 401
 * always; a 403 unless it is about one customer; on a create, only the role refusal among the 403s.
 */
import { describe, expect, it } from "vitest";
import {
  PartnerCenterError,
  createCredentialsRefusal,
  selectRefusalScope,
} from "../../../src/partner-center/errors.js";

function createError(
  httpStatus: number,
  serviceCode?: string | number,
  operation = "listOrders",
): PartnerCenterError {
  return new PartnerCenterError({
    httpStatus,
    ...(serviceCode === undefined ? {} : { serviceCode }),
    description: "refused",
    retryable: false,
    operation,
    customer: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
  });
}

describe("selectRefusalScope", () => {
  it("401 refuses the credentials, whatever its code, on reads and writes", () => {
    for (const code of [undefined, "400", "800001"]) {
      expect(selectRefusalScope(createError(401, code), "read")).toBe("credentials");
      expect(selectRefusalScope(createError(401, code), "write")).toBe("credentials");
    }
  });

  it("the documented customer codes refuse one customer, as strings or numbers", () => {
    for (const code of ["20002", 13605, "800073", "800074", 800075]) {
      expect(selectRefusalScope(createError(403, code), "read")).toBe("customer");
      expect(selectRefusalScope(createError(403, code), "write")).toBe("customer");
    }
  });

  it("900150 refuses the credentials; other 403s do on reads, and refuse the order on writes", () => {
    expect(selectRefusalScope(createError(403, "900150"), "write")).toBe("credentials");
    for (const code of [undefined, "2085", "800069"]) {
      expect(selectRefusalScope(createError(403, code), "read")).toBe("credentials");
      expect(selectRefusalScope(createError(403, code), "write")).toBe("request");
    }
  });

  it("answers nothing for other statuses and other errors", () => {
    expect(selectRefusalScope(createError(400, "800002"), "read")).toBeUndefined();
    expect(selectRefusalScope(createError(503), "write")).toBeUndefined();
    expect(selectRefusalScope(new Error("boom"), "read")).toBeUndefined();
  });
});

describe("createCredentialsRefusal", () => {
  it("names App+User for a create refused 900150, and auth.unauthorized otherwise", () => {
    const create = createCredentialsRefusal(
      createError(403, "900150", "createOrder"),
      "placing a/b",
      "stopped",
    );
    expect(create.code).toBe("auth.app-user-required");
    expect(create.hint).toContain("auth.mode: app+user");
    const read = createCredentialsRefusal(createError(403, "900150"), "listing", "stopped");
    expect(read.code).toBe("auth.unauthorized");
    expect(createCredentialsRefusal(createError(401), "listing", "stopped").code).toBe("auth.unauthorized");
  });
});
