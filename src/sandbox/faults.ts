/**
 * Fault injection for the /v1 and token routes, configured through PUT /_sandbox/faults.
 * Every random draw comes from one seeded generator, so a test that sets a seed and sends the
 * same requests in the same order sees the same faults.
 */
import type { ApiError } from "./order-request.js";
import { createApiError } from "./order-request.js";

export interface RouteFilter {
  method?: string;
  /** A regular expression tested against the request path (no query string). */
  pathPattern?: string;
}

export interface FaultConfig {
  seed?: number;
  latency?: { fixedMs?: number; jitterMs?: number; route?: RouteFilter };
  /**
   * A 5xx (default 500), or a 401/403 that refuses the credentials on every matching route (with
   * `code`, default 400 for 401 and 900150 for 403): the answers that stop a run (docs/sign-in.md).
   */
  errorRate?: { probability: number; status?: number; code?: string; route?: RouteFilter };
  throttle?: { probability: number; retryAfterSeconds?: number; route?: RouteFilter };
  commitThenDrop?: { probability: number; route?: RouteFilter };
}

interface CompiledFilter {
  method: string | undefined;
  pattern: RegExp | undefined;
}

export interface FaultDecision {
  delayMs: number;
  /** Answer with this 5xx, 401 or 403 instead of handling the request (nothing is changed). */
  error: { status: number; error: ApiError } | undefined;
  /** Answer 429 with this Retry-After instead of handling the request. */
  throttleSeconds: number | undefined;
  /** Handle the request (commit any change), then destroy the socket before any response byte. */
  drop: boolean;
}

/** mulberry32: small, fast and good enough for fault dice. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FaultParseResult = { ok: true; value: FaultConfig } | { ok: false; message: string };

/** Validates an admin fault body; unknown members are refused so typos do not silently disable a fault. */
export function parseFaultConfig(body: unknown): FaultParseResult {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { ok: false, message: "body must be a JSON object" };
  const known = ["seed", "latency", "errorRate", "throttle", "commitThenDrop"];
  for (const key of Object.keys(body)) {
    if (!known.includes(key))
      return { ok: false, message: `unknown fault '${key}' (known: ${known.join(", ")})` };
  }
  const config = body as FaultConfig;
  for (const key of ["errorRate", "throttle", "commitThenDrop"] as const) {
    const fault = config[key];
    if (fault === undefined) continue;
    if (typeof fault.probability !== "number" || fault.probability < 0 || fault.probability > 1) {
      return { ok: false, message: `${key}.probability must be a number from 0 to 1` };
    }
  }
  const status = config.errorRate?.status;
  if (status !== undefined && status !== 401 && status !== 403 && (status < 500 || status > 599)) {
    return { ok: false, message: "errorRate.status must be a 5xx status, 401 or 403" };
  }
  if (config.errorRate?.code !== undefined && typeof config.errorRate.code !== "string") {
    return { ok: false, message: "errorRate.code must be a string" };
  }
  for (const key of ["latency", "errorRate", "throttle", "commitThenDrop"] as const) {
    const pattern = config[key]?.route?.pathPattern;
    if (pattern === undefined) continue;
    try {
      new RegExp(pattern);
    } catch {
      return { ok: false, message: `${key}.route.pathPattern is not a valid regular expression` };
    }
  }
  return { ok: true, value: config };
}

function createInjectedError(status: number, code: string | undefined): ApiError {
  if (status === 401) return createApiError(401, code ?? "400", "Access denied (injected by the sandbox).");
  if (status === 403) {
    return createApiError(
      403,
      code ?? "900150",
      "The supplied role does not have the rights to perform the requested operation (injected by the sandbox).",
    );
  }
  if (status === 500)
    return createApiError(500, code ?? "800003", "Unexpected service error (injected by the sandbox).");
  return createApiError(
    status,
    code ?? "0",
    `The service is temporarily unavailable (injected ${status} by the sandbox).`,
  );
}

export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number;
  private filters = new Map<string, CompiledFilter>();

  constructor(private readonly defaultSeed: number) {
    this.random = createRandom(defaultSeed);
  }

  get current(): FaultConfig {
    return this.config;
  }

  configure(config: FaultConfig): void {
    this.config = config;
    this.random = createRandom(config.seed ?? this.defaultSeed);
    this.filters.clear();
    for (const key of ["latency", "errorRate", "throttle", "commitThenDrop"] as const) {
      const route = config[key]?.route;
      this.filters.set(key, {
        method: route?.method?.toUpperCase(),
        pattern: route?.pathPattern === undefined ? undefined : new RegExp(route.pathPattern),
      });
    }
  }

  /** Draws the faults for one request; draws happen in a fixed order for reproducibility. */
  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, error: undefined, throttleSeconds: undefined, drop: false };
    const { latency, errorRate, throttle, commitThenDrop } = this.config;
    if (latency !== undefined && this.matches("latency", method, path)) {
      decision.delayMs = (latency.fixedMs ?? 0) + (latency.jitterMs ?? 0) * this.random();
    }
    if (
      throttle !== undefined &&
      this.matches("throttle", method, path) &&
      this.random() < throttle.probability
    ) {
      decision.throttleSeconds = throttle.retryAfterSeconds ?? 1;
      return decision;
    }
    if (
      errorRate !== undefined &&
      this.matches("errorRate", method, path) &&
      this.random() < errorRate.probability
    ) {
      const status = errorRate.status ?? 500;
      decision.error = { status, error: createInjectedError(status, errorRate.code) };
      return decision;
    }
    if (commitThenDrop !== undefined && this.matches("commitThenDrop", method, path)) {
      decision.drop = this.random() < commitThenDrop.probability;
    }
    return decision;
  }

  private matches(key: string, method: string, path: string): boolean {
    const filter = this.filters.get(key);
    if (filter === undefined) return true;
    if (filter.method !== undefined && filter.method !== method) return false;
    if (filter.pattern !== undefined && !filter.pattern.test(path)) return false;
    return true;
  }
}
