/**
 * Partner Center failures as one typed error, and the pure parsing of error answers.
 *
 * The service sends two body shapes (README, "The Partner Center client"): the documented ApiFault
 * `{code, description, data, source}` whose `code` is a string or a JSON number, and the throttling
 * body `{statusCode, message}` with 429. Gateways in front of it answer with HTML or nothing, so
 * non-JSON bodies are parsed too.
 */
import { OrderformError } from "../core/errors.js";
import { assertNever } from "../core/plan.js";
import { validateErrorBody } from "./validate.js";

export type ServiceCode = string | number;

/** The order-in-progress code: the first create with this MS-RequestId is still being processed. */
export const ORDER_IN_PROGRESS_CODE = "800060";

/** The documented refusals of a subscription quantity change (docs/subscriptions.md, "Errors"). */
export type SubscriptionRefusal =
  | "cancellation-window-passed"
  | "quantity-out-of-range"
  | "not-active"
  | "stale-etag"
  | "quantity-not-changeable"
  | "subscription-not-found";

const SUBSCRIPTION_REFUSALS: Readonly<Record<string, SubscriptionRefusal>> = {
  "900117": "cancellation-window-passed",
  "2002": "quantity-out-of-range",
  "2001": "not-active",
  "2055": "stale-etag",
  "800027": "quantity-not-changeable",
  "20003": "subscription-not-found",
};

export interface PartnerCenterErrorFields {
  httpStatus: number;
  serviceCode?: ServiceCode;
  description: string;
  data?: unknown[];
  source?: string;
  requestId?: string;
  correlationId?: string;
  retryable: boolean;
  operation: string;
  customer?: string;
  orderId?: string;
  /** Milliseconds asked by Retry-After (or the 429 message), when present. */
  retryAfterMs?: number;
  /**
   * True when an earlier attempt of the same call ended without a definite answer (connection lost,
   * timeout, 5xx, 408, 409 "in progress"): that attempt may have placed the order, so this final
   * answer does not prove that nothing was bought.
   */
  afterUnknownOutcome?: boolean;
}

/**
 * An HTTP answer from Partner Center that is not a success. The stable orderform code is always
 * "partner-center.http"; the service's own code is `serviceCode`, as sent (string or number).
 */
export class PartnerCenterError extends OrderformError {
  readonly httpStatus: number;
  readonly serviceCode: ServiceCode | undefined;
  readonly description: string;
  readonly data: unknown[] | undefined;
  readonly source: string | undefined;
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  readonly retryable: boolean;
  readonly operation: string;
  readonly customer: string | undefined;
  readonly orderId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly afterUnknownOutcome: boolean;

  constructor(fields: PartnerCenterErrorFields, options: { hint?: string; cause?: unknown } = {}) {
    super("partner-center.http", renderErrorMessage(fields), options);
    this.name = "PartnerCenterError";
    this.httpStatus = fields.httpStatus;
    this.serviceCode = fields.serviceCode;
    this.description = fields.description;
    this.data = fields.data;
    this.source = fields.source;
    this.requestId = fields.requestId;
    this.correlationId = fields.correlationId;
    this.retryable = fields.retryable;
    this.operation = fields.operation;
    this.customer = fields.customer;
    this.orderId = fields.orderId;
    this.retryAfterMs = fields.retryAfterMs;
    this.afterUnknownOutcome = fields.afterUnknownOutcome ?? false;
  }
}

/**
 * True when Partner Center gave a definitive refusal: nothing was bought and sending the same
 * request again would not help (4xx other than 429, 408 and 409/800060). The applier removes the
 * intent only for these; everything else keeps the intent pending for the next run.
 */
export function isBusinessError(error: unknown): error is PartnerCenterError {
  return (
    error instanceof PartnerCenterError &&
    !error.retryable &&
    error.httpStatus >= 400 &&
    error.httpStatus < 500
  );
}

/**
 * What a 401/403 refuses (docs/sign-in.md, "Which refusals stop the run"):
 * - "credentials": the signed-in app or user, for every customer alike; the run stops;
 * - "customer": one customer (relationship, agreement, account review); that customer fails alone;
 * - "request": one write's content (offer, limits, risk check); that order fails alone.
 */
type RefusalScope = "credentials" | "customer" | "request";

/**
 * The 403 codes Microsoft's error table gives for refusals about one customer, not the credentials
 * (the table and its sources are in docs/sign-in.md, "Which refusals stop the run").
 */
const CUSTOMER_REFUSAL_CODES: ReadonlySet<string> = new Set([
  "20002", // the partner has no commerce relationship with the customer
  "13605", // the customer has not accepted the Microsoft Customer Agreement
  "800073", // the customer's account is under review
  "800074", // the customer's account is under review
  "800075", // the customer's account was not approved
]);

/**
 * "The supplied role does not have the rights to perform the requested operation": the answer to an
 * app-only token where App+User is needed, such as creating an order for a customer of an indirect
 * reseller, or to a user without the needed Partner Center role (docs/sign-in.md).
 */
const ROLE_REFUSAL_CODE = "900150";

/**
 * The scope of a Partner Center refusal of a read or a write; undefined for anything but a 401/403.
 * 401 always refuses the credentials. A 403 with one of the customer codes refuses that customer; a
 * 403 with the role code refuses the credentials; any other 403 refuses the credentials on a read
 * (reads carry no content to refuse) and the request on a write (the documented refusals of an
 * order: offer not eligible, limits, risk check).
 */
export function selectRefusalScope(error: unknown, kind: "read" | "write"): RefusalScope | undefined {
  if (!(error instanceof PartnerCenterError)) return undefined;
  if (error.httpStatus === 401) return "credentials";
  if (error.httpStatus !== 403) return undefined;
  const code = error.serviceCode === undefined ? "" : String(error.serviceCode);
  if (CUSTOMER_REFUSAL_CODES.has(code)) return "customer";
  if (code === ROLE_REFUSAL_CODE) return "credentials";
  switch (kind) {
    case "read":
      return "credentials";
    case "write":
      return "request";
    default:
      return assertNever(kind);
  }
}

/**
 * The one error a run stops with when Partner Center refused its credentials (`what` failed), and
 * what that left undone (`outcome`): auth.app-user-required when an order was refused for want of an
 * App+User sign-in, auth.unauthorized otherwise.
 */
export function createCredentialsRefusal(
  error: PartnerCenterError,
  what: string,
  outcome: string,
): OrderformError {
  const roleRefused = String(error.serviceCode ?? "") === ROLE_REFUSAL_CODE;
  if (roleRefused && error.operation === "createOrder") {
    return new OrderformError("auth.app-user-required", `${what} failed: ${error.message}; ${outcome}`, {
      hint: "orders for a customer of an indirect reseller need App+User sign-in: set auth.mode: app+user (refresh token); if the run already signs in as a user, give that user the Admin agent role",
      cause: error,
    });
  }
  return new OrderformError("auth.unauthorized", `${what} failed: ${error.message}; ${outcome}`, {
    hint: roleRefused
      ? "the signed-in app or user lacks the Partner Center role for this operation (the Admin agent role; some operations need auth.mode: app+user)"
      : "check that the app has Partner Center access (the Admin agent role for app sign-in) and that the customer is the partner's",
    cause: error,
  });
}

/** Which documented refusal of a quantity change `error` is; undefined for anything else. */
export function selectSubscriptionRefusal(error: unknown): SubscriptionRefusal | undefined {
  if (!(error instanceof PartnerCenterError) || error.serviceCode === undefined) return undefined;
  return SUBSCRIPTION_REFUSALS[String(error.serviceCode)];
}

function renderErrorMessage(fields: PartnerCenterErrorFields): string {
  const target = [
    fields.customer === undefined ? undefined : `customer ${fields.customer}`,
    fields.orderId === undefined ? undefined : `order ${fields.orderId}`,
  ]
    .filter((part) => part !== undefined)
    .join(", ");
  const code = fields.serviceCode === undefined ? "" : ` (code ${String(fields.serviceCode)})`;
  const ids = [
    fields.requestId === undefined ? undefined : `request id ${fields.requestId}`,
    fields.correlationId === undefined ? undefined : `correlation id ${fields.correlationId}`,
  ]
    .filter((part) => part !== undefined)
    .join(", ");
  return (
    `${fields.operation}${target === "" ? "" : ` for ${target}`} failed: HTTP ${fields.httpStatus}${code}: ` +
    `${fields.description}${ids === "" ? "" : ` [${ids}]`}`
  );
}

export interface ParsedErrorBody {
  serviceCode?: ServiceCode;
  description: string;
  data?: unknown[];
  source?: string;
  /** From a 429 message such as "Try again in 57 seconds." when no Retry-After header came. */
  retryAfterMs?: number;
}

const MAX_DESCRIPTION = 1024; // the documented maximum of `description`

/** Parses any error body: ApiFault, the 429 shape, Entra ID `{error, error_description}`, or text. */
export function parseErrorBody(httpStatus: number, bodyText: string): ParsedErrorBody {
  const trimmed = bodyText.trim();
  let json: unknown;
  if (trimmed.startsWith("{")) {
    try {
      json = JSON.parse(trimmed);
    } catch {
      json = undefined;
    }
  }
  if (json !== undefined && validateErrorBody(json)) {
    if ("code" in json) {
      return {
        serviceCode: json.code,
        description: truncate(json.description ?? "") || defaultDescription(httpStatus),
        ...(json.data === undefined ? {} : { data: json.data }),
        ...(json.source === undefined ? {} : { source: json.source }),
      };
    }
    const retryAfterMs = parseRetryAfterMessage(json.message);
    return {
      serviceCode: json.statusCode,
      description: truncate(json.message),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (isRecord(json)) {
    // Shapes not documented for Partner Center but sent by what sits around it.
    const nested = json.error;
    if (isRecord(nested) && (typeof nested.code === "string" || typeof nested.code === "number")) {
      return {
        serviceCode: nested.code,
        description: truncate(
          typeof nested.message === "string" ? nested.message : defaultDescription(httpStatus),
        ),
      };
    }
    if (typeof nested === "string") {
      const description = typeof json.error_description === "string" ? json.error_description : nested;
      return { serviceCode: nested, description: truncate(firstLine(description)) };
    }
    if (typeof json.message === "string" || typeof json.Message === "string") {
      return { description: truncate(String(json.message ?? json.Message)) };
    }
  }
  if (trimmed === "") return { description: defaultDescription(httpStatus) };
  return { description: truncate(summarizeText(trimmed)) };
}

/**
 * Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds,
 * or undefined when absent or unparseable. `nowMs` is passed in so this stays pure.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (/^\d+\.\d+$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function parseRetryAfterMessage(message: string): number | undefined {
  const match = /try again in (\d+) seconds?/i.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1000;
}

function summarizeText(text: string): string {
  // An HTML error page: keep its title, which names the problem; drop markup.
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const plain = (title ?? text.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}

function firstLine(text: string): string {
  // Entra ID descriptions carry "Trace ID: ... Timestamp: ..." lines after the message.
  return text.split(/\r?\n/)[0] ?? text;
}

function truncate(text: string): string {
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

function defaultDescription(httpStatus: number): string {
  return STATUS_TEXT[httpStatus] ?? "no description in the response";
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  412: "Precondition Failed",
  417: "Expectation Failed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
