import { describe, expect, it } from "vitest";
import { undiciSource } from "../../../src/partner-center/undici-agent.js";

describe("undici, loaded in parts (src/partner-center/undici-agent.ts)", () => {
  it("finds the Agent and request() at their paths in the installed undici", () => {
    // "package" means an upgrade moved them: the client still works, but loads all of undici at
    // start-up again (~45 ms of every plan). Update the paths in undici-agent.ts.
    expect(undiciSource).toBe("parts");
  });
});
