/** The validated, defaulted configuration (schemas/config.schema.json describes the file form). */
import type { Limits } from "../core/limits.js";

export type AuthMode = "app" | "app+user" | "token" | "federated" | "certificate";

/** Where mode federated takes its assertion from (docs/sign-in.md). */
export type AssertionSource = "github-actions";

export interface AuthConfig {
  mode: AuthMode;
  tenantId?: string;
  clientId?: string;
  clientSecretEnv?: string; // name of the env var holding the secret, never the secret
  refreshTokenEnv?: string;
  tokenEnv?: string;
  /** federated: one of assertion, assertionFile, assertionEnv (config-rules.ts holds it to one). */
  assertion?: AssertionSource;
  /** federated with assertion github-actions: the OIDC token's audience. */
  audience?: string;
  assertionFile?: string; // a path, relative to the project root; never the assertion
  assertionEnv?: string;
  /** certificate: one of certificateFile, certificateEnv; a PEM with key and certificate. */
  certificateFile?: string;
  certificateEnv?: string;
  authorityHost?: string;
}

/** Where state lives (docs/state.md for local; docs/backends.md for azblob and pg). */
export type StateConfig = LocalStateConfig | AzblobStateConfig | PgStateConfig;

export interface LocalStateConfig {
  backend: "local";
  path: string; // relative to the project root
}

export type AzblobAuthConfig =
  | { mode: "shared-key"; accountName: string; accountKeyEnv: string }
  | { mode: "sas"; sasTokenEnv: string }
  | { mode: "entra" };

export interface AzblobStateConfig {
  backend: "azblob";
  url: string; // the container URL
  name: string;
  auth: AzblobAuthConfig;
  leaseSeconds: number; // 15-60
}

export interface PgStateConfig {
  backend: "pg";
  connectionStringEnv: string; // name of the env var, never the connection string
  schema: string;
  name: string;
  lockTtlSeconds: number;
}

export interface RateLimitConfig {
  requestsPerMinute: number; // default 500, as documented for the Order resource
  key: "partner" | "partner+customer";
}

export interface SandboxConfig {
  dataDir: string; // default ".orderform"
  listDelayMs: number;
  provisioningDelayMs: number;
}

export interface OrderformConfig {
  orders: string; // directory or glob, default "orders"
  endpoint: string; // "sandbox" or an https:// URL (http:// only for loopback)
  auth?: AuthConfig;
  state: StateConfig;
  parallelism: number;
  rateLimit: RateLimitConfig;
  locale: string;
  /** Orders younger than this may be missing from the customer's list without being drift. */
  visibilityWindowMs: number;
  sandbox: SandboxConfig;
  /** Guardrails on what one plan may buy (src/core/limits.ts); absent: no limit. */
  limits?: Limits;
}

export interface LoadedConfig {
  config: OrderformConfig;
  /** The config file used, or null when the defaults apply. */
  filepath: string | null;
  /** Project root: --chdir, or the directory of the config file, or the cwd. */
  rootDir: string;
}
