/**
 * App registrations that sign in with client assertions, checked as Entra ID checks them
 * (docs/sandbox.md, "Sign-in with client assertions"):
 * - POST /_sandbox/apps {clientId, partnerTenantId, federatedCredentials: [{issuer, subject,
 *   audience}], certificates: [PEM]} registers one app (or an array of them); in memory, cleared
 *   by reset, like issued tokens.
 * - A federated assertion (a JWT whose iss is not the client id) is verified against its issuer's
 *   published keys, found by OIDC discovery then JWKS (loopback issuers only: the sandbox never
 *   reaches out of the machine), and its iss, sub, aud and exp against a federated credential.
 * - A certificate assertion (iss and sub the client id) is verified against the registered
 *   certificate its `x5t#S256` or `x5t` header names, with aud the token endpoint's URL.
 * Refusals use Entra ID's AADSTS codes. jose verifies; it is loaded on the first assertion.
 */
import { createHash, X509Certificate } from "node:crypto";
import type * as Jose from "jose";
import { createAdminError, createAdminHandler } from "./admin-api.js";
import type { Exchange, SandboxApp, SandboxContext } from "./context.js";
import { GUID } from "./context.js";
import type { Answer } from "./respond.js";
import { createJsonAnswer } from "./respond.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

export const handleAddApps = createAdminHandler((ctx, { body }) => {
  const items = Array.isArray(body) ? body : [body];
  const apps: SandboxApp[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = parseApp(ctx, item);
    if (typeof parsed === "string") return createAdminError(400, `apps[${index}]: ${parsed}`);
    apps.push(parsed);
  }
  for (const app of apps) ctx.apps.set(app.clientId, app);
  return createJsonAnswer(200, {
    count: apps.length,
    items: apps.map((a) => ({
      clientId: a.clientId,
      partnerTenantId: a.partnerTenantId,
      federatedCredentials: a.federatedCredentials,
      certificates: a.certificates.map((c) => ({ x5t: c.x5t, "x5t#S256": c.x5tS256 })),
    })),
  });
});

function parseApp(ctx: SandboxContext, item: unknown): SandboxApp | string {
  const a = (item ?? {}) as Record<string, unknown>;
  if (typeof a.clientId !== "string" || a.clientId === "") return "clientId must be a string";
  const partner = typeof a.partnerTenantId === "string" ? a.partnerTenantId.toLowerCase() : "";
  if (!GUID.test(partner) || !ctx.store.partners.has(partner))
    return "partnerTenantId must be a registered partner's tenant id";
  const federated = a.federatedCredentials ?? [];
  const certificates = a.certificates ?? [];
  if (!Array.isArray(federated) || !Array.isArray(certificates))
    return "federatedCredentials and certificates must be arrays";
  const app: SandboxApp = {
    clientId: a.clientId,
    partnerTenantId: partner,
    federatedCredentials: [],
    certificates: [],
  };
  for (const f of federated as Record<string, unknown>[]) {
    if (typeof f.issuer !== "string" || typeof f.subject !== "string" || typeof f.audience !== "string")
      return "each federated credential needs issuer, subject and audience strings";
    app.federatedCredentials.push({ issuer: f.issuer, subject: f.subject, audience: f.audience });
  }
  for (const pem of certificates) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(String(pem));
    } catch {
      return "each certificate must be a PEM certificate";
    }
    app.certificates.push({
      pem: String(pem),
      x5t: createHash("sha1").update(cert.raw).digest("base64url"),
      x5tS256: createHash("sha256").update(cert.raw).digest("base64url"),
    });
  }
  return app;
}

/**
 * Checks the client assertion of a token request for `tenant`: the partner tenant the token is
 * for, or the refusal to send.
 */
export async function checkClientAssertion(
  ctx: SandboxContext,
  exchange: Exchange,
  tenant: string,
  form: URLSearchParams,
): Promise<{ partnerTenantId: string } | { refusal: Answer }> {
  const refuse = (status: number, error: string, description: string) => ({
    refusal: createOAuthError(status, error, description),
  });
  if (form.get("client_assertion_type") !== JWT_BEARER)
    return refuse(400, "invalid_request", "AADSTS50027: client_assertion_type must be jwt-bearer.");
  const clientId = form.get("client_id") ?? "";
  const app = ctx.apps.get(clientId);
  if (app === undefined || app.partnerTenantId !== tenant.toLowerCase()) {
    return refuse(
      400,
      "unauthorized_client",
      `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
    );
  }
  const jose = await import("jose");
  const assertion = form.get("client_assertion") ?? "";
  let claims: Jose.JWTPayload;
  let header: Jose.ProtectedHeaderParameters;
  try {
    claims = jose.decodeJwt(assertion);
    header = jose.decodeProtectedHeader(assertion);
  } catch {
    return refuse(400, "invalid_request", "AADSTS50027: JWT token is invalid or malformed.");
  }
  const describe = (error: unknown): ReturnType<typeof refuse> => {
    const code = (error as { code?: string }).code ?? "";
    if (code === "ERR_JWT_EXPIRED" || (error as { claim?: string }).claim === "nbf")
      return refuse(
        400,
        "invalid_client",
        "AADSTS700024: Client assertion is not within its valid time range.",
      );
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED")
      return refuse(400, "invalid_client", `AADSTS50013: Assertion failed: ${(error as Error).message}.`);
    return refuse(401, "invalid_client", "AADSTS700027: Client assertion failed signature validation.");
  };
  if (claims.iss === clientId && claims.sub === clientId) {
    const cert = app.certificates.find(
      (c) => c.x5tS256 === header["x5t#S256"] || (header["x5t#S256"] === undefined && c.x5t === header.x5t),
    );
    if (cert === undefined) {
      return refuse(
        401,
        "invalid_client",
        "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.",
      );
    }
    try {
      await jose.jwtVerify(assertion, new X509Certificate(cert.pem).publicKey, {
        issuer: clientId,
        subject: clientId,
        audience: `http://${exchange.req.headers.host ?? ""}${exchange.path}`,
        algorithms: ["RS256", "PS256"],
        requiredClaims: ["exp"],
      });
    } catch (error) {
      return describe(error);
    }
    return { partnerTenantId: app.partnerTenantId };
  }
  const issuer = typeof claims.iss === "string" ? claims.iss : "";
  const byIssuer = app.federatedCredentials.filter((f) => f.issuer === issuer);
  if (byIssuer.length === 0) {
    return refuse(
      400,
      "invalid_client",
      `AADSTS700211: No matching federated identity record found for presented assertion issuer '${issuer}'.`,
    );
  }
  const keys = await fetchIssuerKeys(jose, issuer);
  if (keys === undefined)
    return refuse(
      400,
      "invalid_client",
      `AADSTS50166: Request to External OIDC endpoint failed (${issuer}).`,
    );
  try {
    await jose.jwtVerify(assertion, keys, { issuer, requiredClaims: ["exp", "sub", "aud"] });
  } catch (error) {
    return describe(error);
  }
  const bySubject = byIssuer.filter((f) => f.subject === claims.sub);
  if (bySubject.length === 0) {
    return refuse(
      400,
      "invalid_client",
      `AADSTS700213: No matching federated identity record found for presented assertion subject '${claims.sub ?? ""}'.`,
    );
  }
  const audiences = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
  if (!bySubject.some((f) => audiences.includes(f.audience))) {
    return refuse(
      400,
      "invalid_client",
      `AADSTS700212: No matching federated identity record found for presented assertion audience '${audiences.join(",")}'.`,
    );
  }
  return { partnerTenantId: app.partnerTenantId };
}

/** The issuer's key set by OIDC discovery, loopback issuers only; undefined when it cannot be had. */
async function fetchIssuerKeys(
  jose: typeof Jose,
  issuer: string,
): Promise<ReturnType<typeof Jose.createRemoteJWKSet> | undefined> {
  const isLoopback = (text: string): boolean => {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:"
        ? LOOPBACK_HOST.test(url.host.replace(/:\d+$/, ""))
        : false;
    } catch {
      return false;
    }
  };
  if (!isLoopback(issuer)) return undefined;
  try {
    const response = await fetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
    });
    const discovery = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (!response.ok || discovery.issuer !== issuer || typeof discovery.jwks_uri !== "string")
      return undefined;
    if (!isLoopback(discovery.jwks_uri)) return undefined;
    return jose.createRemoteJWKSet(new URL(discovery.jwks_uri));
  } catch {
    return undefined;
  }
}

/** Entra ID's error body, as oauth.ts answers it. */
export function createOAuthError(status: number, error: string, description: string): Answer {
  return createJsonAnswer(status, {
    error,
    error_description: description,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
  });
}
