/**
 * The token endpoints, on the sandbox's own host so that `authorityHost` can point at it:
 * POST /{tenant}/oauth2/token (v1 shape: string lifetimes, expires_on, resource) and
 * POST /{tenant}/oauth2/v2.0/token (numbers). Grants: client_credentials (app mode) and
 * refresh_token (app+user mode; the sandbox has no interactive sign-in, so a partner's configured
 * refresh token or one this sandbox issued); client_credentials with a client assertion for the
 * apps registered with POST /_sandbox/apps (apps.ts). Failures use Entra ID's AADSTS codes and shape.
 * Issued access tokens live in memory, each marked App+User (refresh-token grant: a user signed in)
 * or app-only (client credentials, with a secret or an assertion); `findToken` checks a request's
 * bearer token for the order routes. See docs/sandbox.md.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from "./defaults.js";
import { MAX_V1_BODY } from "./context.js";
import type { Exchange, IssuedToken, Json, RouteMatch, SandboxContext } from "./context.js";
import { readRequestBody } from "./request-body.js";
import { checkClientAssertion, createOAuthError } from "./apps.js";
import type { Answer } from "./respond.js";
import { createJsonAnswer, sendAnswer, sendApiError, waitMs } from "./respond.js";

/** The token a request's bearer token is; undefined if none, unknown or expired. */
export function findToken(ctx: SandboxContext, exchange: Exchange): IssuedToken | undefined {
  const header = exchange.req.headers.authorization;
  if (header === undefined || !header.toLowerCase().startsWith("bearer ")) return undefined;
  const token = ctx.tokens.get(header.slice(7).trim());
  if (token === undefined) return undefined;
  if (token.expiresAtMs <= ctx.now()) {
    ctx.tokens.delete(header.slice(7).trim());
    return undefined;
  }
  return token;
}

/** Any method but POST on a token path. */
export async function handleTokenMethodNotAllowed(
  ctx: SandboxContext,
  exchange: Exchange,
  match: RouteMatch,
): Promise<void> {
  decodeURIComponent(match.params.tenant ?? ""); // a tenant that is no URI component is a 500, as for POST
  sendAnswer(ctx, exchange, `POST ${match.pattern}`, createOAuthError(405, "invalid_request", "Use POST."));
}

export async function handleToken(ctx: SandboxContext, exchange: Exchange, match: RouteMatch): Promise<void> {
  const { req, method } = exchange;
  const tenant = decodeURIComponent(match.params.tenant ?? "");
  const v2 = match.pattern.includes("/v2.0/");
  const template = `POST ${match.pattern}`;
  const form = new URLSearchParams(await readRequestBody(req, MAX_V1_BODY));
  const decision = ctx.faults.decide(method, req.url ?? "");
  if (decision.delayMs > 0) await waitMs(decision.delayMs);
  if (decision.error !== undefined) return sendApiError(ctx, exchange, template, decision.error.error);
  const partner = ctx.store.partners.get(tenant.toLowerCase());
  if (partner !== undefined && form.has("client_assertion")) {
    if (form.get("grant_type") !== "client_credentials") {
      return sendAnswer(
        ctx,
        exchange,
        template,
        createOAuthError(
          400,
          "invalid_request",
          "AADSTS900144: client_assertion needs grant_type client_credentials.",
        ),
      );
    }
    const checked = await checkClientAssertion(ctx, exchange, partner.tenantId, form);
    if ("refusal" in checked) return sendAnswer(ctx, exchange, template, checked.refusal);
    return sendAnswer(ctx, exchange, template, createTokenAnswer(ctx, checked.partnerTenantId, v2, form));
  }
  if (partner === undefined) {
    return sendAnswer(
      ctx,
      exchange,
      template,
      createOAuthError(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found.`),
    );
  }
  const grant = form.get("grant_type");
  const clientId = form.get("client_id");
  const secret = form.get("client_secret");
  if (clientId !== partner.clientId) {
    return sendAnswer(
      ctx,
      exchange,
      template,
      createOAuthError(
        400,
        "unauthorized_client",
        `AADSTS700016: Application with identifier '${clientId ?? ""}' was not found in the directory.`,
      ),
    );
  }
  if (grant === "client_credentials") {
    if (secret !== partner.clientSecret) return sendAnswer(ctx, exchange, template, createInvalidSecret());
  } else if (grant === "refresh_token") {
    if (secret !== null && secret !== partner.clientSecret)
      return sendAnswer(ctx, exchange, template, createInvalidSecret());
    const refresh = form.get("refresh_token") ?? "";
    const owner = refresh === partner.refreshToken ? partner.tenantId : ctx.refreshTokens.get(refresh);
    if (owner !== partner.tenantId) {
      return sendAnswer(
        ctx,
        exchange,
        template,
        createOAuthError(
          400,
          "invalid_grant",
          "AADSTS70000: The provided refresh token is invalid or expired.",
        ),
      );
    }
  } else {
    return sendAnswer(
      ctx,
      exchange,
      template,
      createOAuthError(
        400,
        "unsupported_grant_type",
        `AADSTS70003: The grant type '${grant ?? ""}' is not supported.`,
      ),
    );
  }
  sendAnswer(ctx, exchange, template, createTokenAnswer(ctx, partner.tenantId, v2, form));
}

/** A new access token for the partner tenant, in the v1 or v2 shape (and a refresh token for that grant). */
function createTokenAnswer(
  ctx: SandboxContext,
  partnerTenantId: string,
  v2: boolean,
  form: URLSearchParams,
): Answer {
  const lifetime = ctx.options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const now = ctx.now();
  const accessToken = `sbx.${randomBytes(24).toString("base64url")}`;
  const user = form.get("grant_type") === "refresh_token";
  ctx.tokens.set(accessToken, { partnerTenantId, expiresAtMs: now + lifetime * 1000, user });
  const body: Json = { token_type: "Bearer" };
  if (v2) {
    body.expires_in = lifetime;
    body.ext_expires_in = lifetime;
  } else {
    body.expires_in = String(lifetime);
    body.ext_expires_in = String(lifetime);
    body.expires_on = String(Math.floor(now / 1000) + lifetime);
    body.not_before = String(Math.floor(now / 1000));
    body.resource = form.get("resource") ?? "https://api.partnercenter.microsoft.com";
  }
  if (user) {
    const nextRefresh = `sbxr.${randomBytes(24).toString("base64url")}`;
    ctx.refreshTokens.set(nextRefresh, partnerTenantId);
    body.scope = v2 ? "https://api.partnercenter.microsoft.com/user_impersonation" : "user_impersonation";
    body.refresh_token = nextRefresh;
  }
  body.access_token = accessToken;
  return createJsonAnswer(200, body, { "Cache-Control": "no-store" });
}

function createInvalidSecret(): Answer {
  return createOAuthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
}
