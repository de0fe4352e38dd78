/**
 * Client assertions for the secretless sign-in modes (docs/sign-in.md): client credentials where
 * the app proves itself with a signed JWT instead of a secret (`client_assertion_type`
 * urn:ietf:params:oauth:client-assertion-type:jwt-bearer).
 * - federated: a token another issuer signed (workload identity federation): the GitHub Actions
 *   job's OIDC token, a file (Kubernetes' AZURE_FEDERATED_TOKEN_FILE, rotated by the kubelet) or
 *   an environment variable. Taken afresh for every access token, since such tokens live minutes.
 * - certificate: a JWT this process signs with the certificate's private key, naming the
 *   certificate by its thumbprints (`x5t#S256`, and `x5t` for Entra ID's older check).
 * Secrets (assertions, the PEM's key) are read only from the files and variables the config names
 * and are handed to the caller's scrubber; messages name the file or variable, never the value.
 * jose signs; it is loaded only when a certificate assertion is made.
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { AuthConfig } from "../config/types.js";
import { OrderformError } from "../core/errors.js";
import { isLoopbackHost } from "./open.js";
import { describeSecretProblem } from "./secret-value.js";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** The audience Entra ID expects of a federated token (its federated credentials' default). */
const DEFAULT_FEDERATED_AUDIENCE = "api://AzureADTokenExchange";
/** A certificate assertion is good for this long; it is made afresh for every token request. */
const CERTIFICATE_ASSERTION_LIFETIME_S = 600;

/** A GET as the assertion source needs it (status and text); the provider's pool by default. */
export type GetLike = (
  url: string,
  init: { method: "GET"; headers: Record<string, string>; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface AssertionSource {
  /** A fresh assertion for one request to `tokenEndpoint` (a certificate assertion's audience). */
  read(tokenEndpoint: string, signal: AbortSignal | undefined): Promise<string>;
  /** Secret values read so far, for scrubbing text before it is shown. Never log this. */
  secretValues(): string[];
}

export interface AssertionSourceOptions {
  /** Relative assertionFile and certificateFile paths are resolved against it (the project root). */
  baseDir?: string;
  get: GetLike;
  /** Seconds clock for the certificate assertion's claims; injectable for tests. */
  nowSeconds?: () => number;
}

/** The assertion source of a federated or certificate `auth`; checks the variables it names now. */
export function createAssertionSource(
  auth: AuthConfig,
  env: NodeJS.ProcessEnv,
  options: AssertionSourceOptions,
): AssertionSource {
  const seen: string[] = [];
  const remember = (value: string): string => {
    seen.push(value);
    if (seen.length > 8) seen.shift();
    return value;
  };
  const resolvePath = (path: string): string =>
    isAbsolute(path) ? path : resolve(options.baseDir ?? process.cwd(), path);
  let read: AssertionSource["read"];
  if (auth.mode === "certificate") {
    const signer = createCertificateSigner(auth, env, resolvePath, options.nowSeconds);
    read = async (endpoint) => remember(await signer(endpoint));
  } else if (auth.assertion === "github-actions") {
    const url = readVariable(env, "ACTIONS_ID_TOKEN_REQUEST_URL", GITHUB_HINT);
    const token = readVariable(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN", GITHUB_HINT);
    remember(token);
    const audience = auth.audience ?? DEFAULT_FEDERATED_AUDIENCE;
    read = async (_endpoint, signal) =>
      remember(await fetchGitHubToken(options.get, url, token, audience, signal));
  } else if (auth.assertionFile !== undefined) {
    const path = resolvePath(auth.assertionFile);
    read = async () => remember(await readAssertionFile(path));
  } else if (auth.assertionEnv !== undefined) {
    const value = remember(readVariable(env, auth.assertionEnv, "export it before running orderform"));
    read = () => Promise.resolve(value);
  } else {
    throw new OrderformError(
      "auth.missing-setting",
      "auth mode federated needs one of auth.assertion, auth.assertionFile, auth.assertionEnv",
    );
  }
  return { read, secretValues: () => [...seen] };
}

const GITHUB_HINT =
  "give the job `permissions: id-token: write` (GitHub sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN only then)";

function readVariable(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new OrderformError("auth.missing-secret", `environment variable ${name} is not set`, { hint });
  }
  const problem = describeSecretProblem(value);
  if (problem !== undefined) {
    throw new OrderformError("auth.malformed-secret", `the value of ${name} ${problem}`, {
      hint: `set ${name} again without the extra characters; nothing was sent`,
    });
  }
  return value;
}

/** The job's OIDC token: GET the request URL with `audience`, bearer the request token (GitHub's protocol). */
async function fetchGitHubToken(
  get: GetLike,
  requestUrl: string,
  requestToken: string,
  audience: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    throw new OrderformError("auth.assertion-failed", "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new OrderformError(
      "auth.assertion-failed",
      "ACTIONS_ID_TOKEN_REQUEST_URL must use https (http only for loopback hosts)",
    );
  }
  url.searchParams.set("audience", audience);
  let status: number;
  let text: string;
  try {
    const answer = await get(url.href, {
      method: "GET",
      headers: { authorization: `bearer ${requestToken}`, accept: "application/json" },
      ...(signal === undefined ? {} : { signal }),
    });
    status = answer.status;
    text = await answer.text();
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const code = (error as { cause?: { code?: string }; code?: string }).cause?.code ?? "network error";
    throw new OrderformError(
      "auth.assertion-failed",
      `could not reach ACTIONS_ID_TOKEN_REQUEST_URL (${url.origin}) for the job's OIDC token: ${code}`,
    );
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (status !== 200 || typeof value !== "string" || value === "") {
    throw new OrderformError(
      "auth.assertion-failed",
      `the GitHub Actions OIDC token request (${url.origin}) answered HTTP ${status}${status === 200 ? " without a token" : ""}`,
      { hint: GITHUB_HINT },
    );
  }
  return value;
}

async function readAssertionFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new OrderformError(
      "auth.assertion-failed",
      `cannot read auth.assertionFile ${path}: ${(error as { code?: string }).code ?? "read error"}`,
      { hint: "on Kubernetes, the file AZURE_FEDERATED_TOKEN_FILE names; it must be mounted in the pod" },
    );
  }
  // The file may end with a line feed; a JWT holds no whitespace, so none is part of it.
  const value = text.trim();
  if (value === "") throw new OrderformError("auth.assertion-failed", `auth.assertionFile ${path} is empty`);
  return value;
}

interface Certificate {
  key: KeyObject;
  x5t: string;
  x5tS256: string;
}

/** Signs certificate assertions; the PEM is read on the first one (a file or a variable). */
function createCertificateSigner(
  auth: AuthConfig,
  env: NodeJS.ProcessEnv,
  resolvePath: (path: string) => string,
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
): (tokenEndpoint: string) => Promise<string> {
  const clientId = auth.clientId ?? "";
  const where =
    auth.certificateEnv !== undefined
      ? `environment variable ${auth.certificateEnv} (auth.certificateEnv)`
      : `auth.certificateFile ${resolvePath(auth.certificateFile ?? "")}`;
  if (auth.certificateEnv !== undefined && (env[auth.certificateEnv] ?? "") === "") {
    throw new OrderformError("auth.missing-secret", `${where} is not set`, {
      hint: `export ${auth.certificateEnv} with the PEM (private key and certificate) before running orderform`,
    });
  }
  let certificate: Promise<Certificate> | undefined;
  const load = async (): Promise<Certificate> => {
    let pem: string;
    if (auth.certificateEnv !== undefined) pem = env[auth.certificateEnv] ?? "";
    else {
      try {
        pem = await readFile(resolvePath(auth.certificateFile ?? ""), "utf8");
      } catch (error) {
        throw new OrderformError(
          "auth.invalid-certificate",
          `cannot read ${where}: ${(error as { code?: string }).code ?? "read error"}`,
        );
      }
    }
    return parseCertificatePem(pem, where);
  };
  return async (tokenEndpoint) => {
    certificate ??= load();
    const [{ key, x5t, x5tS256 }, { SignJWT }] = await Promise.all([certificate, import("jose")]);
    const now = nowSeconds();
    return new SignJWT({})
      .setProtectedHeader({ alg: "PS256", typ: "JWT", x5t, "x5t#S256": x5tS256 })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + CERTIFICATE_ASSERTION_LIFETIME_S)
      .sign(key);
  };
}

/** The RSA key and the certificate's thumbprints from one PEM; the message never quotes it. */
function parseCertificatePem(pem: string, where: string): Certificate {
  let key: KeyObject;
  let cert: X509Certificate;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new OrderformError("auth.invalid-certificate", `${where} holds no readable private key`, {
      hint: "give one PEM with the unencrypted private key (-----BEGIN PRIVATE KEY-----) and the certificate",
    });
  }
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new OrderformError("auth.invalid-certificate", `${where} holds no readable certificate`, {
      hint: "append the certificate (-----BEGIN CERTIFICATE-----) to the private key's PEM",
    });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new OrderformError(
      "auth.invalid-certificate",
      `${where} holds a ${key.asymmetricKeyType ?? "non-RSA"} key; Entra ID takes RSA certificates`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new OrderformError(
      "auth.invalid-certificate",
      `${where}: the private key is not the certificate's`,
    );
  }
  return {
    key,
    x5t: createHash("sha1").update(cert.raw).digest("base64url"),
    x5tS256: createHash("sha256").update(cert.raw).digest("base64url"),
  };
}
