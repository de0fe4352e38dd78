/**
 * The config vocabulary: diagnostic codes for schema failures, the checks a schema cannot
 * express (endpoint schemes, auth completeness, durations), and merging over the defaults.
 * Messages about auth never quote values: a secret pasted into the wrong key must not be echoed.
 */
import type { ErrorCode } from "../core/error-codes.js";
import { createDiagnostic } from "../core/errors.js";
import type { Diagnostic } from "../core/errors.js";
import { renderDataPath, renderValue } from "../source/schema-diagnostics.js";
import type { SchemaDiagnosticRules } from "../source/schema-diagnostics.js";
import type { DataPath, SourceDocument } from "../source/yaml-source.js";
import { CONFIG_DEFAULTS, createDefaultConfig } from "./defaults.js";
import { checkAuthRules } from "./auth-rules.js";
import { parseDuration } from "./duration.js";
import type { Limits } from "../core/limits.js";
import type {
  AuthConfig,
  AzblobAuthConfig,
  OrderformConfig,
  RateLimitConfig,
  SandboxConfig,
  StateConfig,
} from "./types.js";

/** Keys people use when they paste a secret into config; each maps to the *Env key to use instead. */
const SECRET_KEYS: Record<string, string> = {
  clientsecret: "clientSecretEnv",
  secret: "clientSecretEnv",
  password: "clientSecretEnv",
  refreshtoken: "refreshTokenEnv",
  token: "tokenEnv",
  accesstoken: "tokenEnv",
  clientassertion: "assertionEnv",
  privatekey: "certificateEnv",
  certificatepem: "certificateEnv",
};

const ENV_KEYS = new Set([
  "clientSecretEnv",
  "refreshTokenEnv",
  "tokenEnv",
  "assertionEnv",
  "certificateEnv",
]);

export const configSchemaRules: SchemaDiagnosticRules = {
  describeUnknownKey(path, key, suggestion, allowed) {
    const envKey = SECRET_KEYS[key.toLowerCase()];
    if (envKey !== undefined) {
      return {
        code: "config.secret-in-config",
        message: `${renderDataPath(path)} looks like a secret; secrets never go in the config file`,
        hint: `put the secret in an environment variable and name it with ${envKey}, e.g. ${envKey}: ORDERFORM_${envKey
          .replace(/Env$/, "")
          .replace(/[A-Z]/g, (c) => `_${c}`)
          .toUpperCase()}`,
        omitSourceLine: true,
      };
    }
    return {
      code: "config.unknown-key",
      message: `unknown config key "${key}"${path.length > 1 ? ` in ${renderDataPath(path.slice(0, -1))}` : ""}`,
      hint:
        suggestion !== undefined
          ? `did you mean "${suggestion}"?`
          : allowed.length > 0
            ? `allowed keys: ${allowed.filter((k) => k !== "$schema").join(", ")}`
            : undefined,
    };
  },

  describeMissingKey(path, key) {
    return {
      code: "config.missing-field",
      message: `${path.length === 0 ? "config" : renderDataPath(path)} is missing the required key "${key}"`,
      hint: key === "mode" ? "set mode to app, app+user, token, federated or certificate" : undefined,
    };
  },

  describeInvalidValue(path, error, value) {
    const where = renderDataPath(path);
    const last = path[path.length - 1];
    if (path.length === 0) {
      return { code: "config.invalid-type", message: "the config must be a mapping of keys to values" };
    }
    if (typeof last === "string" && ENV_KEYS.has(last)) {
      return {
        code: "config.invalid-env-name",
        message: `${where} must be the name of an environment variable (letters, digits, _)`,
        hint: `if you pasted the secret itself, rotate it, and set ${last} to a variable name such as ORDERFORM_CLIENT_SECRET`,
        omitSourceLine: true,
      };
    }
    const sensitive = path[0] === "auth";
    const shown = sensitive ? "" : `, got ${renderValue(value)}`;
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
    const expectation =
      allowed !== undefined
        ? `one of ${allowed.map((v) => renderValue(v)).join(", ")}`
        : (error.message ?? error.keyword);
    return {
      code: "config.invalid-value",
      message: `${where} must be ${expectation.replace(/^must be /, "")}${shown}`,
      // A limit is a whole number of at least 1 (src/core/limits.ts); 0 would refuse every plan.
      hint:
        path[0] === "limits"
          ? "a limit is a whole number of at least 1; leave the key out for no limit"
          : undefined,
    };
  },
};

/** The file's keys, as the schema accepted them. */
export interface SchemaValidConfig {
  orders?: string;
  endpoint?: string;
  auth?: AuthConfig;
  state?: SchemaValidState;
  parallelism?: number;
  rateLimit?: Partial<RateLimitConfig>;
  locale?: string;
  visibilityWindowMs?: number;
  visibilityWindow?: string;
  sandbox?: Partial<SandboxConfig>;
  limits?: Limits;
}

/** The state section as the schema accepts it: every backend's keys, checked per backend below. */
export interface SchemaValidState {
  backend?: StateConfig["backend"];
  path?: string;
  url?: string;
  name?: string;
  auth?: {
    mode: AzblobAuthConfig["mode"];
    accountName?: string;
    accountKeyEnv?: string;
    sasTokenEnv?: string;
  };
  leaseSeconds?: number;
  connectionStringEnv?: string;
  schema?: string;
  lockTtlSeconds?: number;
}

/** Which state keys each backend takes, and which it needs. */
const STATE_KEYS: Record<StateConfig["backend"], { allowed: string[]; required: string[] }> = {
  local: { allowed: ["backend", "path"], required: [] },
  azblob: { allowed: ["backend", "url", "name", "auth", "leaseSeconds"], required: ["url", "name", "auth"] },
  pg: {
    allowed: ["backend", "connectionStringEnv", "schema", "name", "lockTtlSeconds"],
    required: ["connectionStringEnv", "name"],
  },
};

const AZBLOB_AUTH_KEYS: Record<AzblobAuthConfig["mode"], string[]> = {
  "shared-key": ["accountName", "accountKeyEnv"],
  sas: ["sasTokenEnv"],
  entra: [],
};

function checkStateRules(
  state: SchemaValidState,
  at: (path: DataPath, code: ErrorCode, message: string, hint?: string) => void,
): void {
  const backend = state.backend ?? "local";
  const keys = STATE_KEYS[backend];
  for (const key of Object.keys(state)) {
    if (!keys.allowed.includes(key)) {
      const owner = (Object.keys(STATE_KEYS) as StateConfig["backend"][]).find((b) =>
        STATE_KEYS[b].allowed.includes(key),
      );
      at(
        ["state", key],
        "config.state-key-not-for-backend",
        `state.${key} does not apply to backend ${backend}${owner === undefined ? "" : ` (it is a ${owner} key)`}`,
        `backend ${backend} takes ${keys.allowed.map((k) => `state.${k}`).join(", ")}`,
      );
    }
  }
  const missing = keys.required.filter((key) => (state as Record<string, unknown>)[key] === undefined);
  if (missing.length > 0) {
    at(
      ["state", "backend"],
      "config.state-incomplete",
      `state backend ${backend} also needs ${missing.map((k) => `state.${k}`).join(", ")}`,
      backend === "azblob"
        ? "e.g. url: https://ACCOUNT.blob.core.windows.net/CONTAINER, name: prod, auth: { mode: shared-key, accountName: ACCOUNT, accountKeyEnv: ORDERFORM_STORAGE_KEY }"
        : "e.g. connectionStringEnv: ORDERFORM_PG_URL, name: prod",
    );
  }
  if (backend === "azblob" && state.url !== undefined) {
    const problem = checkServiceUrl(state.url);
    const path = problem === null ? new URL(state.url).pathname.replace(/\/+$/, "") : "";
    if (problem !== null) {
      at(
        ["state", "url"],
        "config.invalid-state-url",
        `state.url ${problem}`,
        "use https://ACCOUNT.blob.core.windows.net/CONTAINER",
      );
    } else if (path === "" || new URL(state.url).search !== "") {
      at(
        ["state", "url"],
        "config.invalid-state-url",
        "state.url must be a container URL (with the container name in its path, and no query: a SAS token goes in the environment variable named by state.auth.sasTokenEnv)",
        "use https://ACCOUNT.blob.core.windows.net/CONTAINER",
      );
    }
  }
  if (backend === "azblob" && state.auth !== undefined) {
    const auth = state.auth;
    const needed = AZBLOB_AUTH_KEYS[auth.mode];
    const missingAuth = needed.filter((key) => (auth as Record<string, unknown>)[key] === undefined);
    if (missingAuth.length > 0) {
      at(
        ["state", "auth", "mode"],
        "config.auth-incomplete",
        `state.auth mode ${auth.mode} also needs ${missingAuth.join(", ")}`,
        "the *Env keys name environment variables that hold the secrets",
      );
    }
    for (const key of Object.keys(auth)) {
      if (key !== "mode" && !needed.includes(key)) {
        at(
          ["state", "auth", key],
          "config.state-key-not-for-backend",
          `state.auth.${key} does not apply to auth mode ${auth.mode}`,
          `mode ${auth.mode} takes ${needed.length === 0 ? "no other key" : needed.join(", ")}`,
        );
      }
    }
  }
}

/** Semantic checks on a schema-valid config; `doc` locates the offending keys. */
export function checkConfigRules(value: SchemaValidConfig, doc: SourceDocument, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const at = (
    path: DataPath,
    code: ErrorCode,
    message: string,
    hint?: string,
    omitSourceLine = false,
  ): void => {
    const located = doc.locate(path);
    diagnostics.push(
      createDiagnostic(code, message, {
        file,
        ...located.position,
        hint,
        sourceLine: omitSourceLine ? undefined : located.sourceLine,
      }),
    );
  };

  const endpoint = value.endpoint;
  if (endpoint !== undefined && endpoint !== "sandbox") {
    const problem = checkServiceUrl(endpoint);
    if (problem !== null) {
      at(
        ["endpoint"],
        "config.invalid-endpoint",
        `endpoint ${problem}`,
        "use sandbox, https://api.partnercenter.microsoft.com, or http://127.0.0.1:PORT for a local sandbox",
      );
    } else if (value.auth === undefined) {
      at(
        ["endpoint"],
        "config.missing-auth",
        "a Partner Center endpoint needs an auth section",
        "add auth: { mode: app, tenantId: ..., clientId: ..., clientSecretEnv: ORDERFORM_CLIENT_SECRET }",
      );
    }
  }
  if (value.auth?.authorityHost !== undefined) {
    const problem = checkServiceUrl(value.auth.authorityHost);
    if (problem !== null) {
      at(
        ["auth", "authorityHost"],
        "config.invalid-authority-host",
        `auth.authorityHost ${problem}`,
        "use https://login.microsoftonline.com, or the sandbox URL for a local sandbox",
        true,
      );
    }
  }
  if (value.auth !== undefined) checkAuthRules(value.auth, at);
  if (value.state !== undefined) checkStateRules(value.state, at);
  if (value.visibilityWindow !== undefined) {
    if (value.visibilityWindowMs !== undefined) {
      at(
        ["visibilityWindow"],
        "config.conflicting-keys",
        "visibilityWindow and visibilityWindowMs both set",
        "keep one of them",
      );
    } else if (parseDuration(value.visibilityWindow) === null) {
      at(
        ["visibilityWindow"],
        "config.invalid-duration",
        `visibilityWindow ${renderValue(value.visibilityWindow)} is not a duration`,
        "write a number with a unit: 500ms, 90s, 15m or 1h",
      );
    }
  }
  return diagnostics;
}

/** Null when acceptable: https anywhere, plain http only to loopback (tokens travel on it). */
function checkServiceUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL";
  }
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const loopback = host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
    return loopback ? null : "may use plain http:// only for loopback hosts (127.0.0.1, localhost, [::1])";
  }
  return `must be an https:// URL, not ${url.protocol}`;
}

/** Defaults first, then the file's values. Assumes checkConfigRules found nothing. */
export function mergeConfig(value: SchemaValidConfig): OrderformConfig {
  const config = createDefaultConfig();
  if (value.orders !== undefined) config.orders = value.orders;
  if (value.endpoint !== undefined) config.endpoint = value.endpoint.replace(/\/+$/, "");
  if (value.auth !== undefined) config.auth = { ...value.auth };
  if (value.state !== undefined) config.state = mergeStateConfig(value.state);
  if (value.parallelism !== undefined) config.parallelism = value.parallelism;
  if (value.rateLimit !== undefined) config.rateLimit = { ...config.rateLimit, ...value.rateLimit };
  if (value.locale !== undefined) config.locale = value.locale;
  if (value.visibilityWindowMs !== undefined) config.visibilityWindowMs = value.visibilityWindowMs;
  if (value.visibilityWindow !== undefined)
    config.visibilityWindowMs = parseDuration(value.visibilityWindow) ?? config.visibilityWindowMs;
  if (value.sandbox !== undefined) config.sandbox = { ...config.sandbox, ...value.sandbox };
  if (value.limits !== undefined) config.limits = { ...value.limits };
  return config;
}

const DEFAULT_STATE_PATH = (CONFIG_DEFAULTS.state as { path: string }).path;

/** The backend's settings with defaults. Assumes checkStateRules found nothing. */
function mergeStateConfig(state: SchemaValidState): StateConfig {
  switch (state.backend ?? "local") {
    case "local":
      return { backend: "local", path: state.path ?? DEFAULT_STATE_PATH };
    case "azblob":
      return {
        backend: "azblob",
        url: (state.url ?? "").replace(/\/+$/, ""),
        name: state.name ?? "",
        auth: state.auth as AzblobAuthConfig,
        leaseSeconds: state.leaseSeconds ?? 60,
      };
    case "pg":
      return {
        backend: "pg",
        connectionStringEnv: state.connectionStringEnv ?? "",
        schema: state.schema ?? "orderform",
        name: state.name ?? "",
        lockTtlSeconds: state.lockTtlSeconds ?? 60,
      };
  }
}
