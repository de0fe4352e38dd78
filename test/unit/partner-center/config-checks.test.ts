import { describe, expect, it } from "vitest";
import { createTokenProvider } from "../../../src/partner-center/auth.js";
import { checkEndpointUrl, isLoopbackHost, selectConnections } from "../../../src/partner-center/open.js";

describe("isLoopbackHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.12.0.9", true],
    ["localhost", true],
    ["[::1]", true],
    ["::1", true],
    ["128.0.0.1", false],
    ["10.0.0.1", false],
    ["api.partnercenter.microsoft.com", false],
    ["127.0.0.1.nip.io", false],
  ])("%s -> %s", (host, expected) => expect(isLoopbackHost(host)).toBe(expected));
});

describe("checkEndpointUrl", () => {
  it.each([
    { url: "https://api.partnercenter.microsoft.com", code: undefined },
    { url: "http://127.0.0.1:8080", code: undefined },
    { url: "http://[::1]:8080", code: undefined },
    { url: "http://localhost:1", code: undefined },
    { url: "http://api.partnercenter.microsoft.com", code: "config.invalid-endpoint" },
    { url: "ftp://127.0.0.1", code: "config.invalid-endpoint" },
    { url: "not a url", code: "config.invalid-endpoint" },
  ])("$url", ({ url, code }) => {
    if (code === undefined) expect(() => checkEndpointUrl(url, "endpoint")).not.toThrow();
    else expect(() => checkEndpointUrl(url, "endpoint")).toThrow(expect.objectContaining({ code }));
  });
});

describe("selectConnections", () => {
  // Two requests per customer read at once (its order and subscription lists), never fewer than 16.
  it.each([
    [1, 16],
    [8, 16],
    [9, 18],
    [10, 20],
    [100, 200],
  ])("parallelism %i -> %i connections", (parallelism, connections) => {
    expect(selectConnections(parallelism)).toBe(connections);
  });
});

describe("createTokenProvider settings", () => {
  const base = { tenantId: "t", clientId: "c" };
  it.each([
    {
      auth: { mode: "app" as const, ...base, clientSecretEnv: "PC_SECRET" },
      env: {},
      code: "auth.missing-secret",
      names: "PC_SECRET",
    },
    {
      auth: { mode: "app" as const, ...base, clientSecretEnv: "PC_SECRET" },
      env: { PC_SECRET: "" },
      code: "auth.missing-secret",
      names: "PC_SECRET",
    },
    {
      auth: { mode: "app" as const, ...base },
      env: {},
      code: "auth.missing-setting",
      names: "clientSecretEnv",
    },
    {
      auth: { mode: "app" as const, clientId: "c", clientSecretEnv: "S" },
      env: { S: "xxxx" },
      code: "auth.missing-setting",
      names: "tenantId",
    },
    {
      auth: { mode: "app+user" as const, ...base, refreshTokenEnv: "PC_REFRESH" },
      env: {},
      code: "auth.missing-secret",
      names: "PC_REFRESH",
    },
    {
      auth: { mode: "token" as const, tokenEnv: "PC_TOKEN" },
      env: {},
      code: "auth.missing-secret",
      names: "PC_TOKEN",
    },
  ])("$code naming $names", ({ auth, env, code, names }) => {
    let caught: unknown;
    try {
      createTokenProvider(auth, env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code });
    expect((caught as Error).message).toContain(names);
  });

  it("a token from the environment is served as is and cannot be renewed", async () => {
    const provider = createTokenProvider(
      { mode: "token", tokenEnv: "PC_TOKEN" },
      { PC_TOKEN: "static-token-value" },
    );
    expect(await provider.getToken()).toBe("static-token-value");
    expect(provider.invalidate("static-token-value")).toBe(false);
  });
});
