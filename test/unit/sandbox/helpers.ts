/** Shared plumbing for the sandbox conformance tests: plain fetch over loopback, no client library. */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { SANDBOX_PARTNER, startSandbox } from "../../../src/sandbox/index.js";
import type { RunningSandbox, SandboxOptions, SandboxPartner } from "../../../src/sandbox/index.js";

export const CONTOSO = "b0d70a69-4c42-4b27-b17b-91a835d8686a";
export const TAILSPIN = "f81d98dd-c2f4-499e-a194-5619e260344e";
export const FABRIKAM = "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13";

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface TestSandbox {
  sandbox: RunningSandbox;
  url: string;
  token: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  admin(method: string, path: string, body?: unknown): Promise<Reply>;
  tokenFor(partner: SandboxPartner): Promise<string>;
  close(): Promise<void>;
}

async function fetchToken(url: string, partner: SandboxPartner): Promise<string> {
  const res = await fetch(`${url}/${partner.tenantId}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: partner.clientId,
      client_secret: partner.clientSecret,
      resource: "https://api.partnercenter.microsoft.com",
    }),
  });
  const body = (await res.json()) as { access_token: string };
  if (res.status !== 200) throw new Error(`token request failed: ${res.status}`);
  return body.access_token;
}

async function sendJson(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Reply> {
  const init: RequestInit = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, host: "127.0.0.1", ...options });
  const url = sandbox.url;
  const token = await fetchToken(url, SANDBOX_PARTNER);
  return {
    sandbox,
    url,
    token,
    call: (method, path, body, headers = {}) =>
      sendJson(`${url}${path}`, method, body, { Authorization: `Bearer ${token}`, ...headers }),
    admin: (method, path, body) => sendJson(`${url}${path}`, method, body, {}),
    tokenFor: (partner) => fetchToken(url, partner),
    close: () => sandbox.close(),
  };
}

/**
 * One sandbox for the whole test file, reset before each test: registers the hooks (call it at the
 * top level) and answers a handle whose members reach the sandbox once it has started.
 */
export function useSharedSandbox(): TestSandbox {
  let current: TestSandbox | undefined;
  beforeAll(async () => {
    current = await startTestSandbox();
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(async () => {
    await started().admin("POST", "/_sandbox/reset");
  });
  const started = (): TestSandbox => {
    if (current === undefined) throw new Error("the shared sandbox is used before it started");
    return current;
  };
  return {
    get sandbox() {
      return started().sandbox;
    },
    get url() {
      return started().url;
    },
    get token() {
      return started().token;
    },
    call: (method, path, body, headers) => started().call(method, path, body, headers),
    admin: (method, path, body) => started().admin(method, path, body),
    tokenFor: (partner) => started().tokenFor(partner),
    close: () => started().close(),
  };
}

/** Every member of `example` (recursively; arrays by their first element) is present in `actual`. */
export function findMissingFields(example: unknown, actual: unknown, path = "$"): string[] {
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [path];
    if (example.length === 0) return [];
    if (actual.length === 0) return [`${path}[0]`];
    return findMissingFields(example[0], actual[0], `${path}[0]`);
  }
  if (typeof example === "object" && example !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return [path];
    const missing: string[] = [];
    for (const [key, value] of Object.entries(example)) {
      if (!(key in actual)) missing.push(`${path}.${key}`);
      else
        missing.push(...findMissingFields(value, (actual as Record<string, unknown>)[key], `${path}.${key}`));
    }
    return missing;
  }
  return [];
}

export function createLicenseOrder(
  offerId: string,
  quantity = 1,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { billingCycle: "monthly", lineItems: [{ lineItemNumber: 0, offerId, quantity, ...extra }] };
}

export const BASIC = "CFQ7TTC0LH18:0001:CFQ7TTC0K59S";
export const AI_BUILDER = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
export const RESERVED_INSTANCE = "DZH318Z0BQ4B:0047:DZH318Z0DSM8";
