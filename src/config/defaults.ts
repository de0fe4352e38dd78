/** Every config default, in one place (README section "config" lists the same values). */
import type { OrderformConfig } from "./types.js";

export const CONFIG_DEFAULTS: Readonly<OrderformConfig> = Object.freeze({
  orders: "orders",
  endpoint: "sandbox",
  state: { backend: "local", path: "orderform.state.json" } as OrderformConfig["state"],
  parallelism: 10,
  rateLimit: { requestsPerMinute: 500, key: "partner+customer" },
  locale: "en-US",
  visibilityWindowMs: 900_000,
  sandbox: { dataDir: ".orderform", listDelayMs: 0, provisioningDelayMs: 0 },
} satisfies OrderformConfig);

/** A fresh, fully defaulted config (nested objects are copies, so callers may not share them). */
export function createDefaultConfig(): OrderformConfig {
  return {
    ...CONFIG_DEFAULTS,
    state: { ...CONFIG_DEFAULTS.state },
    rateLimit: { ...CONFIG_DEFAULTS.rateLimit },
    sandbox: { ...CONFIG_DEFAULTS.sandbox },
  };
}
