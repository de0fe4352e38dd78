export { startSandbox } from "./server.js";
export type { RunningSandbox } from "./server.js";
export type { SandboxOptions } from "./context.js";
export {
  SANDBOX_CUSTOMERS,
  SANDBOX_NON_RI_SUBSCRIPTION,
  SANDBOX_OTHER_PARTNER,
  SANDBOX_PARTNER,
} from "./defaults.js";
export type { SandboxPartner } from "./defaults.js";
