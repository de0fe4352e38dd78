/**
 * A test OIDC issuer on the sandbox's own host, at /_sandbox/issuer, so that federated sign-in can
 * be exercised end to end over loopback (docs/sandbox.md, "Sign-in with client assertions"):
 * - GET  /_sandbox/issuer/.well-known/openid-configuration and GET /_sandbox/issuer/jwks: what
 *   Entra ID reads to verify a federated token (OIDC discovery, then the JSON Web Key Set);
 * - POST /_sandbox/issuer/request-tokens {subject}: {url, token}, the pair GitHub Actions gives a
 *   job as ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN;
 * - GET  /_sandbox/issuer/token?audience=A with `Authorization: bearer TOKEN`: {value: JWT}, as
 *   GitHub answers that URL (sub is the request token's subject; aud A);
 * - POST /_sandbox/issuer/tokens {subject, audience, expiresInSeconds?}: {value: JWT} directly,
 *   for assertions handed over in a file or a variable (a negative lifetime gives an expired one).
 * The signing key (RSA, RS256 as GitHub's) is made on first use and lives in memory: tokens from
 * an earlier sandbox process do not verify. Admin routes: loopback peers only.
 */
import { generateKeyPair, randomBytes, randomUUID } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { createAdminError, createAdminHandler } from "./admin-api.js";
import type { Exchange, Json, SandboxContext } from "./context.js";
import { createJsonAnswer } from "./respond.js";

export const ISSUER_PATH = "/_sandbox/issuer";
const DEFAULT_LIFETIME_SECONDS = 300;

/** The issuer's URL as this request reached the sandbox (the iss of its tokens). */
function selectIssuerUrl(exchange: Exchange): string {
  return `http://${exchange.req.headers.host ?? "127.0.0.1"}${ISSUER_PATH}`;
}

function loadKey(ctx: SandboxContext): Promise<{ privateKey: KeyObject; jwk: Json }> {
  ctx.issuer.key ??= promisify(generateKeyPair)("rsa", { modulusLength: 2048 }).then(
    ({ privateKey, publicKey }) => ({
      privateKey,
      jwk: { ...publicKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" },
    }),
  );
  return ctx.issuer.key;
}

async function signToken(
  ctx: SandboxContext,
  exchange: Exchange,
  claims: { subject: string; audience: string; lifetimeSeconds: number },
): Promise<string> {
  const [{ privateKey, jwk }, { SignJWT }] = await Promise.all([loadKey(ctx), import("jose")]);
  const now = Math.floor(ctx.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: String(jwk.kid) })
    .setIssuer(selectIssuerUrl(exchange))
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(Math.min(now, now + claims.lifetimeSeconds))
    .setExpirationTime(now + claims.lifetimeSeconds)
    .sign(privateKey);
}

export const handleIssuerDiscovery = createAdminHandler((_ctx, _request, exchange) => {
  const issuer = selectIssuerUrl(exchange);
  return createJsonAnswer(200, {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
  });
});

export const handleIssuerKeys = createAdminHandler(async (ctx) =>
  createJsonAnswer(200, { keys: [(await loadKey(ctx)).jwk] }),
);

export const handleIssuerRequestToken = createAdminHandler((ctx, { body }, exchange) => {
  const subject = (body as { subject?: unknown } | undefined)?.subject;
  if (typeof subject !== "string" || subject === "") return createAdminError(400, "subject must be a string");
  const token = `sbxi.${randomBytes(24).toString("base64url")}`;
  ctx.issuer.requestTokens.set(token, subject);
  return createJsonAnswer(200, { url: `${selectIssuerUrl(exchange)}/token?api-version=2.0`, token });
});

export const handleIssuerToken = createAdminHandler(async (ctx, _request, exchange) => {
  const header = exchange.req.headers.authorization ?? "";
  const subject = /^bearer /i.test(header) ? ctx.issuer.requestTokens.get(header.slice(7).trim()) : undefined;
  if (subject === undefined) return createAdminError(401, "unknown or missing request token");
  const audience = exchange.query.get("audience") ?? selectIssuerUrl(exchange);
  return createJsonAnswer(200, {
    count: 1,
    value: await signToken(ctx, exchange, { subject, audience, lifetimeSeconds: DEFAULT_LIFETIME_SECONDS }),
  });
});

export const handleIssuerMint = createAdminHandler(async (ctx, { body }, exchange) => {
  const b = (body ?? {}) as { subject?: unknown; audience?: unknown; expiresInSeconds?: unknown };
  if (typeof b.subject !== "string" || typeof b.audience !== "string")
    return createAdminError(400, "subject and audience must be strings");
  const lifetime = b.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime)) return createAdminError(400, "expiresInSeconds must be an integer");
  return createJsonAnswer(200, {
    value: await signToken(ctx, exchange, {
      subject: b.subject,
      audience: b.audience,
      lifetimeSeconds: lifetime as number,
    }),
  });
});
