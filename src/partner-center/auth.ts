/**
 * Access tokens for Partner Center from Microsoft Entra ID (README.md, "The Partner Center client"):
 * - app: client credentials on the v2 endpoint, scope https://api.partnercenter.microsoft.com/.default;
 * - app+user: refresh token on the v1 endpoint, resource https://api.partnercenter.microsoft.com;
 * - token: a bearer token obtained elsewhere, read from an environment variable;
 * - federated, certificate: client credentials on the v2 endpoint with a client assertion instead
 *   of a secret, made afresh for each token (./client-assertion.ts, docs/sign-in.md).
 * Secrets are read only from the environment variables NAMED in config. They never appear in logs,
 * error messages or files: token-endpoint failures are reported by Entra's error code and first
 * description line, with every known secret value scrubbed out as a second line of defence.
 */
import type { Dispatcher } from "undici";
import type * as Transport from "./transport.js";
import type { AuthConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import { parseErrorBody } from "./errors.js";
import { computeBackoffMs, DEFAULT_RETRY_POLICY } from "./retry.js";
import type { AssertionSource } from "./client-assertion.js";
import { CLIENT_ASSERTION_TYPE, createAssertionSource } from "./client-assertion.js";
import { describeSecretProblem } from "./secret-value.js";
import { describeWireProblem, validateWire } from "./validate.js";
import { throwIfAborted, waitFor } from "./wait.js";

const PARTNER_CENTER_RESOURCE = "https://api.partnercenter.microsoft.com";
const PARTNER_CENTER_SCOPE = `${PARTNER_CENTER_RESOURCE}/.default`;
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

/** Cached tokens are renewed this long before they expire (or at half their life, if shorter). */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/** One token request may take this long before it counts as a failed attempt (and is retried). */
const TOKEN_ATTEMPT_TIMEOUT_MS = 30_000;

export interface TokenProvider {
  readonly mode: AuthConfig["mode"];
  /** A valid bearer token, from cache when it has more than the margin left. */
  getToken(signal?: AbortSignal): Promise<string>;
  /**
   * Drops `token` from the cache after Partner Center refused it with 401, so the next getToken
   * fetches a new one. Returns false when no new token can be had (mode token).
   */
  invalidate(token: string): boolean;
  /** Secret values this provider knows, for scrubbing text before it is shown. Never log this. */
  secretValues(): string[];
  /** Abandons any token request in flight (the client is closing), so no socket outlives it. */
  close?(): void;
}

/** The part of fetch the provider uses; by default a POST through a small undici Agent (sendForm). */
export type FetchLike = (
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface TokenProviderOptions {
  fetchImpl?: FetchLike;
  logger?: (line: string) => void;
  /** Milliseconds clock for expiry; injectable for tests. */
  now?: () => number;
  random?: () => number;
  /** Attempts per token fetch on transport errors, 429 and 5xx. */
  maxAttempts?: number;
  /** How long one attempt may wait for the token endpoint's answer; default 30 s. */
  attemptTimeoutMs?: number;
  /**
   * The resource the token is for; default Partner Center. The Azure Blob state backend asks for
   * https://storage.azure.com with the same app (docs/backends.md).
   */
  resource?: string;
  /** Relative assertionFile and certificateFile paths are resolved against it (the project root). */
  baseDir?: string;
}

export function createTokenProvider(
  auth: AuthConfig,
  env: NodeJS.ProcessEnv,
  options: TokenProviderOptions = {},
): TokenProvider {
  switch (auth.mode) {
    case "token":
      return createStaticTokenProvider(auth, env);
    case "app":
    case "app+user":
    case "federated":
    case "certificate":
      return createEntraTokenProvider(auth, env, options);
    default:
      throw new OrderformError(
        "auth.invalid-mode",
        `unknown auth mode ${JSON.stringify((auth as { mode: unknown }).mode)}`,
      );
  }
}

function readSecret(
  env: NodeJS.ProcessEnv,
  variable: string | undefined,
  setting: string,
  mode: string,
): string {
  if (variable === undefined || variable === "") {
    throw new OrderformError("auth.missing-setting", `auth.${setting} is required for auth mode ${mode}`, {
      hint: `set auth.${setting} to the NAME of the environment variable that holds the value`,
    });
  }
  const value = env[variable];
  if (value === undefined || value === "") {
    throw new OrderformError(
      "auth.missing-secret",
      `environment variable ${variable} (auth.${setting}) is not set`,
      {
        hint: `export ${variable} before running orderform; secrets are never read from the config file`,
      },
    );
  }
  const problem = describeSecretProblem(value);
  if (problem !== undefined) {
    throw new OrderformError(
      "auth.malformed-secret",
      `the value of ${variable} (auth.${setting}) ${problem}`,
      {
        hint: `set ${variable} again without the extra characters (e.g. export ${variable}="$(tr -d '\r\n' < FILE)"); nothing was sent`,
      },
    );
  }
  return value;
}

function requireSetting(value: string | undefined, setting: string, mode: string): string {
  if (value === undefined || value === "") {
    throw new OrderformError("auth.missing-setting", `auth.${setting} is required for auth mode ${mode}`);
  }
  return value;
}

function createStaticTokenProvider(auth: AuthConfig, env: NodeJS.ProcessEnv): TokenProvider {
  const token = readSecret(env, auth.tokenEnv, "tokenEnv", "token");
  return {
    mode: "token",
    getToken: (signal) => {
      throwIfAborted(signal);
      return Promise.resolve(token);
    },
    invalidate: () => false,
    secretValues: () => [token],
  };
}

interface CachedToken {
  token: string;
  renewAt: number;
}

function createEntraTokenProvider(
  auth: AuthConfig,
  env: NodeJS.ProcessEnv,
  options: TokenProviderOptions,
): TokenProvider {
  const mode = auth.mode;
  const tenantId = requireSetting(auth.tenantId, "tenantId", mode);
  const clientId = requireSetting(auth.clientId, "clientId", mode);
  const secrets: string[] = [];
  const form = new URLSearchParams({ client_id: clientId });
  let endpoint: string;
  const authority = (auth.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, "");
  let assertions: AssertionSource | undefined;
  if (mode === "federated" || mode === "certificate") {
    endpoint = `${authority}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    form.set("grant_type", "client_credentials");
    form.set("scope", options.resource === undefined ? PARTNER_CENTER_SCOPE : `${options.resource}/.default`);
    form.set("client_assertion_type", CLIENT_ASSERTION_TYPE);
    assertions = createAssertionSource(auth, env, {
      get: (url, init) => fetchImpl(url, init),
      ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    });
  } else if (mode === "app") {
    const secret = readSecret(env, auth.clientSecretEnv, "clientSecretEnv", mode);
    secrets.push(secret);
    endpoint = `${authority}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    form.set("grant_type", "client_credentials");
    form.set("client_secret", secret);
    form.set("scope", options.resource === undefined ? PARTNER_CENTER_SCOPE : `${options.resource}/.default`);
  } else {
    const refreshToken = readSecret(env, auth.refreshTokenEnv, "refreshTokenEnv", mode);
    secrets.push(refreshToken);
    endpoint = `${authority}/${encodeURIComponent(tenantId)}/oauth2/token`;
    form.set("grant_type", "refresh_token");
    form.set("resource", options.resource ?? PARTNER_CENTER_RESOURCE);
    form.set("refresh_token", refreshToken);
    form.set("scope", "openid");
    // A confidential client also proves itself with its secret; a public client has none.
    if (auth.clientSecretEnv !== undefined && auth.clientSecretEnv !== "") {
      const secret = readSecret(env, auth.clientSecretEnv, "clientSecretEnv", mode);
      secrets.push(secret);
      form.set("client_secret", secret);
    }
  }
  // Token requests have their own small pool, closed with the provider. The transport (and so
  // undici) is loaded on the first token request, not by every command that opens a state store.
  let pool: Promise<{ dispatcher: Dispatcher; transport: typeof Transport }> | undefined;
  const fetchImpl: FetchLike =
    options.fetchImpl ??
    (async (url, init) => {
      pool ??= Promise.all([import("undici"), import("./transport.js")]).then(([{ Agent }, transport]) => ({
        transport,
        dispatcher: new Agent({ connections: 2 }),
      }));
      const { transport, dispatcher } = await pool;
      return transport.sendForm(dispatcher, url, init);
    });
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const log = options.logger;
  const maxAttempts = options.maxAttempts ?? 4;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? TOKEN_ATTEMPT_TIMEOUT_MS;
  const seen: string[] = [];
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;
  // Aborted by close(): the shared refresh is bound to no caller, so it needs an end of its own.
  const lifetime = new AbortController();

  const known = (): string[] => [...secrets, ...seen, ...(assertions?.secretValues() ?? [])];
  const scrub = (text: string): string => scrubSecrets(text, known());

  async function fetchOnce(signal: AbortSignal | undefined): Promise<CachedToken> {
    const stop = signal === undefined ? lifetime.signal : AbortSignal.any([signal, lifetime.signal]);
    // A client assertion is taken afresh for each token: federated ones live minutes.
    if (assertions !== undefined) form.set("client_assertion", await assertions.read(endpoint, stop));
    const body = form.toString();
    for (let attempt = 1; ; attempt += 1) {
      throwIfAborted(signal);
      const started = now();
      log?.(
        `-> POST ${endpoint} grant_type=${form.get("grant_type") ?? ""} client_id=${clientId} attempt=${attempt}`,
      );
      let status: number;
      let text: string;
      // A token endpoint that accepts the connection and never answers must not hang the run. The
      // timer is held here, not left to AbortSignal.timeout: Node lets a timeout signal that only
      // AbortSignal.any refers to be collected, and its timer with it, so the attempt waited for
      // undici's own 300 s headers timeout instead.
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new DOMException("the token request timed out", "TimeoutError")),
        attemptTimeoutMs,
      );
      const attemptSignal = AbortSignal.any([
        ...(signal === undefined ? [] : [signal]),
        lifetime.signal,
        timeout.signal,
      ]);
      try {
        const response = await fetchImpl(endpoint, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body,
          signal: attemptSignal,
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        throwIfAborted(signal);
        if (lifetime.signal.aborted) {
          throw new OrderformError("auth.token-failed", "the token request was abandoned: the client closed");
        }
        const code = attemptSignal.aborted
          ? `no answer within ${attemptTimeoutMs / 1000} s`
          : ((error as { cause?: { code?: string }; code?: string }).cause?.code ??
            (error as { code?: string }).code ??
            "network error");
        log?.(`<- POST ${endpoint} failed: ${code}`);
        if (attempt >= maxAttempts) {
          throw new OrderformError(
            "auth.token-failed",
            `could not reach the token endpoint ${endpoint}: ${scrub(code)}`,
          );
        }
        clearTimeout(timer);
        await waitFor(computeBackoffMs(attempt, DEFAULT_RETRY_POLICY, random), stop);
        continue;
      } finally {
        clearTimeout(timer);
      }
      log?.(`<- ${status} POST ${endpoint} ${Math.round(now() - started)}ms`);
      if (status >= 200 && status < 300) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        if (!validateWire("token", json)) {
          throw new OrderformError(
            "auth.token-invalid-response",
            `the token endpoint ${endpoint} answered with an unexpected body: ${describeWireProblem("token", json) ?? "not JSON"}`,
          );
        }
        // Remember recent tokens only for scrubbing text; older ones have expired anyway.
        seen.push(json.access_token);
        if (seen.length > 8) seen.shift();
        const lifetimeMs = Number(json.expires_in) * 1000;
        const margin = Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetimeMs / 2);
        return { token: json.access_token, renewAt: now() + lifetimeMs - margin };
      }
      if ((status === 429 || status >= 500) && attempt < maxAttempts) {
        await waitFor(computeBackoffMs(attempt, DEFAULT_RETRY_POLICY, random), stop);
        continue;
      }
      const parsed = parseErrorBody(status, text);
      const code = parsed.serviceCode === undefined ? "" : ` ${String(parsed.serviceCode)}`;
      throw new OrderformError(
        "auth.token-failed",
        scrub(
          `the token endpoint ${endpoint} refused ${mode} sign-in for client ${clientId}: HTTP ${status}${code}: ${parsed.description}`,
        ),
        { hint: SIGN_IN_HINTS[mode] },
      );
    }
  }

  return {
    mode,
    async getToken(signal?: AbortSignal): Promise<string> {
      throwIfAborted(signal);
      if (cached !== undefined && now() < cached.renewAt) return cached.token;
      // One refresh in flight at a time: concurrent callers share it. It is not bound to any one
      // caller's signal, so one caller aborting does not fail the others.
      inFlight ??= fetchOnce(undefined).finally(() => {
        inFlight = undefined;
      });
      const pending = inFlight;
      const fresh = await raceAbort(pending, signal);
      cached = fresh;
      return fresh.token;
    },
    invalidate(token: string): boolean {
      if (cached?.token === token) cached = undefined;
      return true;
    },
    secretValues: known,
    close: () => {
      lifetime.abort();
      // Not awaited: close() is synchronous for its callers; the agent finishes its open sockets alone.
      void pool?.then(({ dispatcher }) => dispatcher.close());
    },
  };
}

async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  throwIfAborted(signal);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      try {
        throwIfAborted(signal);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

const SIGN_IN_HINTS: Record<AuthConfig["mode"], string> = {
  app: "check auth.tenantId, auth.clientId and the secret's environment variable",
  "app+user": "check auth.tenantId, auth.clientId and the secret's environment variable",
  token: "check auth.tokenEnv",
  federated:
    "check auth.tenantId, auth.clientId and the app's federated credential (issuer, subject, audience) in Entra ID",
  certificate:
    "check auth.tenantId, auth.clientId and that the certificate is uploaded to the app registration in Entra ID",
};

/** Replaces every occurrence of each secret (at least 4 characters long) with [redacted]. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
