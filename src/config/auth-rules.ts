/**
 * The auth section's completeness: which keys each sign-in mode needs, and which it takes exactly
 * one of (docs/sign-in.md). Messages name keys, never values: a secret pasted into the wrong key
 * must not be echoed.
 */
import type { ErrorCode } from "../core/error-codes.js";
import type { DataPath } from "../source/yaml-source.js";
import type { AuthConfig } from "./types.js";

/** Per auth mode: the keys it needs, and the groups of which it needs exactly one. */
const AUTH_KEYS: Record<AuthConfig["mode"], { required: (keyof AuthConfig)[]; oneOf: (keyof AuthConfig)[] }> =
  {
    app: { required: ["tenantId", "clientId", "clientSecretEnv"], oneOf: [] },
    "app+user": { required: ["tenantId", "clientId", "clientSecretEnv", "refreshTokenEnv"], oneOf: [] },
    token: { required: ["tokenEnv"], oneOf: [] },
    federated: { required: ["tenantId", "clientId"], oneOf: ["assertion", "assertionFile", "assertionEnv"] },
    certificate: { required: ["tenantId", "clientId"], oneOf: ["certificateFile", "certificateEnv"] },
  };

export function checkAuthRules(
  auth: AuthConfig,
  at: (path: DataPath, code: ErrorCode, message: string, hint?: string, omitSourceLine?: boolean) => void,
): void {
  const { required, oneOf } = AUTH_KEYS[auth.mode];
  const missing = required.filter((key) => auth[key] === undefined);
  const given = oneOf.filter((key) => auth[key] !== undefined);
  if (oneOf.length > 0 && given.length === 0) missing.push(oneOf.join(" or ") as keyof AuthConfig);
  if (missing.length > 0) {
    at(
      ["auth", "mode"],
      "config.auth-incomplete",
      `auth mode ${auth.mode} also needs ${missing.join(", ")}`,
      "the *Env keys name environment variables that hold the secrets, the *File keys files that hold them",
    );
  }
  if (given.length > 1) {
    at(
      ["auth", given[1] ?? "mode"],
      "config.conflicting-keys",
      `auth.${given.join(" and auth.")} both set`,
      `auth mode ${auth.mode} takes one of ${oneOf.join(", ")}`,
      true,
    );
  }
  if (auth.audience !== undefined && auth.assertion === undefined) {
    at(
      ["auth", "audience"],
      "config.conflicting-keys",
      "auth.audience applies only with auth.assertion: github-actions",
      "an assertion read from a file or a variable already carries its audience",
      true,
    );
  }
}
