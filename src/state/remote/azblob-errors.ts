/**
 * Azure Blob Storage failures as OrderformErrors (docs/backends.md, "azblob: errors"). The SDK's
 * errors can carry request URLs with a SAS query (`sig=...`) and request objects with headers, so
 * they are never passed on as a cause: only a scrubbed copy of their message, status and code.
 */
import { OrderformError } from "../../core/errors.js";
import { createStateError } from "../errors.js";

/** What a failed SDK call looks like (RestError; a HEAD request's code is only in details). */
interface SdkFailure {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
  message?: string;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "REQUEST_SEND_ERROR",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Lease failures: the request's lease id is not (or no longer) the blob's active lease. */
const LEASE_LOST_CODES = new Set([
  "LeaseIdMismatchWithBlobOperation",
  "LeaseIdMismatchWithLeaseOperation",
  "LeaseIdMissing",
  "LeaseNotPresentWithBlobOperation",
  "LeaseNotPresentWithLeaseOperation",
  "LeaseIsBrokenAndCannotBeRenewed",
  "LeaseIsBreakingAndCannotBeAcquired",
  "LeaseLost",
  "LeaseAlreadyPresent",
]);

/** The service's error code (x-ms-error-code), or the network error's code. */
export function readErrorCode(error: unknown): string | undefined {
  const failure = error as SdkFailure | undefined;
  return failure?.details?.errorCode ?? failure?.code;
}

function readStatus(error: unknown): number | undefined {
  return (error as SdkFailure | undefined)?.statusCode;
}

export function isNotFound(error: unknown): boolean {
  return readStatus(error) === 404 && readErrorCode(error) !== "ContainerNotFound";
}

export function isLeaseLost(error: unknown): boolean {
  const code = readErrorCode(error);
  if (code !== undefined && LEASE_LOST_CODES.has(code)) return true;
  // A HEAD request with a lease condition answers 412 without a code on some servers.
  return readStatus(error) === 412 && code === undefined;
}

/** Removes URL queries (a SAS token), `sig=` values and header dumps from an SDK message. */
function scrubMessage(text: string): string {
  return (
    text
      .replace(/(https?:\/\/[^\s?"']+)\?[^\s"']*/g, "$1")
      .replace(/\b(sig|se|sp|sv|skoid|sktid|st)=[^&\s"']*/gi, "$1=[redacted]")
      // A signature the service quotes back ("The MAC signature found in the HTTP request '...'").
      .replace(/'[A-Za-z0-9+/=%]{32,}'/g, "'[redacted]'")
      .split("\n")
      .filter((line) => !/^(RequestId|Time):/.test(line))
      .join(" ")
      .trim()
  );
}

/** The SDK error reduced to what is safe to show: status, code, scrubbed message. */
function createScrubbedCause(error: unknown): Error {
  const status = readStatus(error);
  const code = readErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const cause = new Error(scrubMessage(message));
  cause.name = `AzureBlobError${status === undefined ? "" : ` ${status}`}${code === undefined ? "" : ` ${code}`}`;
  return cause;
}

function renderCause(error: unknown): string {
  const status = readStatus(error);
  const code = readErrorCode(error);
  const message = scrubMessage(error instanceof Error ? error.message : String(error));
  const label = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(" ");
  return label === "" ? message : `${label}: ${message}`;
}

/**
 * Maps a failure of `action` (e.g. "read blob prod/state.json") on `store` (the driver's
 * description) to the error the user sees. Unreachable, refused and missing stores get their own
 * codes; anything else is state.read-failed or state.write-failed as `writing` says.
 */
export function createAzblobError(
  error: unknown,
  store: string,
  action: string,
  writing: boolean,
  consequence = "",
): OrderformError {
  if (error instanceof OrderformError) return error;
  const cause = createScrubbedCause(error);
  const status = readStatus(error);
  const code = readErrorCode(error);
  const tail = consequence === "" ? "" : ` ${consequence}`;
  if (
    status === undefined &&
    ((code !== undefined && NETWORK_CODES.has(code)) || (error as Error | undefined)?.name === "AbortError")
  ) {
    return createStateError(
      "state.backend-unreachable",
      `Could not reach ${store} to ${action}: ${renderCause(error)}.${tail}`,
      {
        hint: "Check the container URL, the network path to it (proxy, firewall, private endpoint) and that the storage account exists.",
        cause,
      },
    );
  }
  if (status === 403 || status === 401) {
    return createStateError(
      "state.backend-auth-failed",
      `${store} refused to let orderform ${action}: ${renderCause(error)}.${tail}`,
      {
        hint:
          code === "AuthenticationFailed"
            ? "The account key or SAS token is wrong or expired (a SAS also fails outside its start and expiry times or allowed IP range). Check the environment variable the config names."
            : "The credentials are valid but lack a permission. A SAS needs read, write and list on the container (sp=rwl; an account SAS also srt=co); an Entra identity needs the Storage Blob Data Contributor role on it.",
        cause,
      },
    );
  }
  if (status === 404 && code === "ContainerNotFound") {
    return createStateError(
      "state.backend-missing",
      `The container of ${store} does not exist; orderform does not create it.${tail}`,
      {
        hint: "Create the container (e.g. `az storage container create`), or fix the container URL in the config.",
        cause,
      },
    );
  }
  return createStateError(
    writing ? "state.write-failed" : "state.read-failed",
    `Could not ${action} in ${store}: ${renderCause(error)}.${tail}`,
    { cause },
  );
}
