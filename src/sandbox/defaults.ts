/**
 * The sandbox's built-in registrations. These are public, sandbox-only credentials (docs/sandbox.md);
 * they grant nothing outside a sandbox process.
 */

export interface SandboxPartner {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Accepted by the refresh_token grant (app+user mode); the sandbox has no interactive sign-in. */
  refreshToken?: string;
}

export interface SandboxAzureSubscription {
  id: string;
  reservedInstancesEnabled: boolean;
}

export interface SandboxCustomer {
  id: string;
  /** companyProfile.companyName of the Customer resource. */
  companyName: string;
  /** companyProfile.domain; defaults to a name made from the company name (context.ts). */
  domain?: string;
  /** Owning partner; defaults to SANDBOX_PARTNER. */
  partnerTenantId?: string;
  /** Azure subscriptions usable in reserved-instance provisioning contexts (codes 2094/2095). */
  azureSubscriptions?: SandboxAzureSubscription[];
  /**
   * A customer of an indirect reseller: creating an order for it needs an App+User token, and an
   * app-only one is refused 403 900150 (docs/sandbox.md, "App+User routes").
   */
  indirectReseller?: boolean;
}

export const SANDBOX_PARTNER = {
  tenantId: "00000000-0000-4000-8000-000000000001",
  clientId: "orderform-sandbox",
  clientSecret: "sandbox-secret",
  refreshToken: "sandbox-refresh-token",
} as const satisfies SandboxPartner;

/** A second partner, so tests can check that partners never see each other's customers. */
export const SANDBOX_OTHER_PARTNER = {
  tenantId: "00000000-0000-4000-8000-000000000002",
  clientId: "orderform-sandbox-other",
  clientSecret: "sandbox-other-secret",
  refreshToken: "sandbox-other-refresh-token",
} as const satisfies SandboxPartner;

/** Tailspin's Azure subscription that exists but is not enabled for reserved instances (code 2095). */
export const SANDBOX_NON_RI_SUBSCRIPTION = "9a1c7e52-3f4b-4d8e-a6c0-5b2d8e7f1a34";

export const SANDBOX_CUSTOMERS: readonly SandboxCustomer[] = [
  {
    // Contoso: the customer of the seed documents' REST examples.
    id: "b0d70a69-4c42-4b27-b17b-91a835d8686a",
    companyName: "Contoso",
    azureSubscriptions: [
      { id: "3d5eced6-1151-44c7-aee6-70a4bb725666", reservedInstancesEnabled: true },
      { id: "cccc2c2c-dd3d-ee4e-ff5f-aaaaaa6a6a6a", reservedInstancesEnabled: true },
      { id: "bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f", reservedInstancesEnabled: true },
    ],
  },
  {
    // Tailspin: the customer of the seeds' attestation example.
    id: "f81d98dd-c2f4-499e-a194-5619e260344e",
    companyName: "Tailspin Toys",
    azureSubscriptions: [
      { id: "5198c069-3daa-403a-8660-5be11bfd12ee", reservedInstancesEnabled: true },
      { id: SANDBOX_NON_RI_SUBSCRIPTION, reservedInstancesEnabled: false },
    ],
  },
  { id: "3f2b8a1c-5e7d-4c9a-9b1e-2d4f6a8c0e13", companyName: "Fabrikam" },
  { id: "6c1e9a2b-8d4f-4b3a-a5c7-1e0f2d3b4a59", companyName: "Northwind Traders" },
  { id: "a7d2c4e8-1b3f-4e6a-9c8d-5f0b2e1a3c77", companyName: "Woodgrove Bank" },
  {
    id: "c4e6a8b0-2d1f-4a3c-8e5b-7d9f1a2b3c4d",
    companyName: "Litware (customer of the second partner)",
    partnerTenantId: SANDBOX_OTHER_PARTNER.tenantId,
  },
];

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 500;
export const DEFAULT_REQUEST_ID_TTL_MS = 24 * 60 * 60 * 1000;
/** Integration-sandbox limits (docs/sandbox.md): code 800018 when exceeded. */
export const SANDBOX_MAX_SUBSCRIPTIONS_PER_CUSTOMER = 5;
export const SANDBOX_MAX_LICENSES_PER_SUBSCRIPTION = 25;
