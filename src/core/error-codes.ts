/**
 * Every code orderform emits, in one typed registry: a Diagnostic or an OrderformError takes an
 * ErrorCode, so an unregistered code fails the type check. Codes are a stable contract (scripts
 * match on them): never rename one; add a new one instead. test/unit/core/error-codes.test.ts
 * holds the README to this list (every user-facing code is documented there) and checks that
 * every code is emitted somewhere in src/.
 *
 * `kind` says how a code reaches the user:
 * - "diagnostic": a user problem returned as a Diagnostic (validate, plan); it never throws.
 * - "error": an OrderformError that stops the command; the entry point prints it.
 * - "state": an error of the state layer (src/state/errors.ts), naming the file or store.
 * - "partner-center": a failure of the Partner Center client or of signing in to it.
 * `internal` (with the reason) marks a code no user should see: a caller's bug, or a marker that
 * is turned into something else before it leaves its layer. Internal codes need no README row.
 */

type CodeKind = "diagnostic" | "error" | "state" | "partner-center";

interface CodeEntry {
  kind: CodeKind;
  /** One line: what went wrong, in the user's terms. */
  meaning: string;
  /** Why no user sees this code (a bug, or a marker handled inside its layer). */
  internal?: string;
  /** Registered ahead of its first use, with the reason; the test accepts that nothing emits it. */
  reserved?: string;
}

/** Order files (parse) and config files (parse): the same checks, one vocabulary per file kind. */
const YAML_CODES = {
  "yaml.syntax": { kind: "diagnostic", meaning: "an order file's YAML cannot be parsed" },
  "yaml.duplicate-key": {
    kind: "diagnostic",
    meaning: "a key appears twice in one mapping of an order file",
  },
  "yaml.alias-limit": { kind: "diagnostic", meaning: "anchors and aliases expand past the bound" },
  "yaml.unsupported-tag": { kind: "diagnostic", meaning: "an order file uses a tag such as !!js/function" },
  "yaml.undefined-alias": { kind: "diagnostic", meaning: "an alias names no anchor defined before it" },
  "yaml.too-deep": { kind: "diagnostic", meaning: "collections nest more than 64 levels deep" },
} as const satisfies Record<string, CodeEntry>;

const ORDER_CODES = {
  "order.invalid-type": { kind: "diagnostic", meaning: "a document, line item or field has the wrong type" },
  "order.unknown-key": { kind: "diagnostic", meaning: "a key the order schema does not know" },
  "order.missing-field": { kind: "diagnostic", meaning: "a required key of an order is missing" },
  "order.invalid-name": { kind: "diagnostic", meaning: "`name` is not segment/segment" },
  "order.duplicate-name": { kind: "diagnostic", meaning: "the same order name is declared twice" },
  "order.invalid-customer": { kind: "diagnostic", meaning: "`customer` is not a GUID" },
  "order.invalid-billing-cycle": { kind: "diagnostic", meaning: "`billingCycle` is not a known cycle" },
  "order.no-line-items": { kind: "diagnostic", meaning: "`lineItems` is empty" },
  "order.too-many-line-items": { kind: "diagnostic", meaning: "more than 50 line items" },
  "order.line-item-number": { kind: "diagnostic", meaning: "`lineItemNumber` is not the item's position" },
  "order.invalid-offer-id": { kind: "diagnostic", meaning: "`offerId` has none of the known formats" },
  "order.invalid-quantity": { kind: "diagnostic", meaning: "`quantity` is not an integer from 1 to 100000" },
  "order.invalid-term": { kind: "diagnostic", meaning: "`termDuration` is not P1M, P1Y or P3Y" },
  "order.invalid-renewal-term": { kind: "diagnostic", meaning: "`renewsTo.termDuration` is not P1M or P1Y" },
  "order.invalid-partner-id": {
    kind: "diagnostic",
    meaning: "a Partner ID is not a quoted string of digits",
  },
  "order.too-many-partner-ids": { kind: "diagnostic", meaning: "more than 5 additional Partner IDs" },
  "order.duplicate-partner-ids": { kind: "diagnostic", meaning: "an additional Partner ID is listed twice" },
  "order.invalid-provisioning-context": {
    kind: "diagnostic",
    meaning: "`provisioningContext` is not a mapping of names to strings",
  },
  "order.parent-subscription-id": { kind: "diagnostic", meaning: "add-ons cannot be bought by an order" },
  "order.empty-file": { kind: "diagnostic", meaning: "a file declares no orders (warning)" },
  "order.unreadable": {
    kind: "diagnostic",
    meaning: "an order file, or a directory under `orders`, cannot be read",
  },
} as const satisfies Record<string, CodeEntry>;

const CONFIG_CODES = {
  "config.syntax": { kind: "diagnostic", meaning: "the config file's YAML cannot be parsed" },
  "config.duplicate-key": { kind: "diagnostic", meaning: "a key appears twice in one mapping of the config" },
  "config.alias-limit": { kind: "diagnostic", meaning: "anchors and aliases in the config expand too far" },
  "config.unsupported-tag": { kind: "diagnostic", meaning: "the config uses a tag such as !!js/function" },
  "config.undefined-alias": { kind: "diagnostic", meaning: "a config alias names no anchor before it" },
  "config.too-deep": { kind: "diagnostic", meaning: "the config nests more than 64 levels deep" },
  "config.multiple-documents": {
    kind: "diagnostic",
    meaning: "the config file holds several YAML documents",
  },
  "config.unknown-key": { kind: "diagnostic", meaning: "a key the config schema does not know" },
  "config.missing-field": { kind: "diagnostic", meaning: "a required config key is missing" },
  "config.invalid-type": { kind: "diagnostic", meaning: "a config value has the wrong type" },
  "config.invalid-value": { kind: "diagnostic", meaning: "a config value is outside what the schema allows" },
  "config.invalid-env-name": {
    kind: "diagnostic",
    meaning: "an *Env key is not an environment variable name",
  },
  "config.secret-in-config": { kind: "diagnostic", meaning: "a secret was written into the config" },
  "config.invalid-endpoint": { kind: "diagnostic", meaning: "`endpoint` is not https (or loopback http)" },
  "config.invalid-authority-host": { kind: "diagnostic", meaning: "`auth.authorityHost` is not https" },
  "config.missing-auth": { kind: "diagnostic", meaning: "a Partner Center endpoint without an auth section" },
  "config.auth-incomplete": { kind: "diagnostic", meaning: "the auth mode needs keys that are missing" },
  "config.invalid-duration": { kind: "diagnostic", meaning: "`visibilityWindow` is not a duration" },
  "config.conflicting-keys": { kind: "diagnostic", meaning: "two keys that say the same thing are both set" },
  "config.state-incomplete": { kind: "diagnostic", meaning: "the state backend needs keys that are missing" },
  "config.state-key-not-for-backend": {
    kind: "diagnostic",
    meaning: "a `state` key that the chosen backend or auth mode does not take",
  },
  "config.invalid-state-url": { kind: "diagnostic", meaning: "`state.url` is not an https container URL" },
  "config.not-found": { kind: "diagnostic", meaning: "the file named by --config does not exist" },
  "config.chdir-not-found": { kind: "diagnostic", meaning: "the --chdir directory does not exist" },
  "config.load-failed": { kind: "diagnostic", meaning: "the config could not be loaded (a JS config threw)" },
  "config.orders-not-found": { kind: "diagnostic", meaning: "the `orders` path does not exist" },
  "config.no-order-files": { kind: "diagnostic", meaning: "no order files under `orders` (warning)" },
} as const satisfies Record<string, CodeEntry>;

const CLI_CODES = {
  "cli.invalid-customer": { kind: "error", meaning: "--customer is not a tenant id (GUID)" },
  "cli.unknown-customer": { kind: "error", meaning: "--customer names a customer no order or state names" },
  "cli.invalid-parallelism": { kind: "error", meaning: "--parallelism is not an integer from 1 to 100" },
  "cli.invalid-port": { kind: "error", meaning: "--port is not an integer from 0 to 65535" },
  "cli.invalid-number": {
    kind: "error",
    meaning: "an option that takes a count is not a non-negative integer",
  },
  "cli.invalid-duration": { kind: "error", meaning: "--lock-timeout is not a duration" },
  "cli.missing-option": { kind: "error", meaning: "a required option is missing (state migrate --to)" },
  "cli.usage": {
    kind: "diagnostic",
    meaning:
      "the command line does not parse (an unknown option or command, a missing argument); JSON with --json",
  },
  "cli.interrupted": { kind: "error", meaning: "the command was stopped by Ctrl-C or SIGTERM" },
  "cli.unknown-option": { kind: "error", meaning: "a one-dash word names no option orderform knows" },
} as const satisfies Record<string, CodeEntry>;

const PLAN_CODES = {
  "plan.duplicate-name": {
    kind: "diagnostic",
    meaning: "an order name is declared twice; the first is planned",
  },
  "plan.untracked-duplicate": {
    kind: "diagnostic",
    meaning: "a create would buy next to an identical order that state does not track",
  },
  "plan.renamed-order": {
    kind: "diagnostic",
    meaning: "a create matches a record no longer declared: a renamed order",
  },
  "plan.decrease-outside-window": {
    kind: "diagnostic",
    meaning: "a seat decrease declared after the new-commerce cancellation window ended",
  },
  "plan.replace-not-applicable": {
    kind: "diagnostic",
    meaning: "--replace names no drifted or conflicting order",
  },
  "plan.limit-exceeded": {
    kind: "diagnostic",
    meaning: "the plan passes one of the config's limits; nothing is bought",
  },
  "plan.allow-duplicate-not-applicable": {
    kind: "diagnostic",
    meaning: "--allow-duplicate names no order the plan creates",
  },
  "plan.unknown-customer": {
    kind: "diagnostic",
    meaning: "an order is declared for a tenant id that is not one of the partner's customers",
  },
  "plan.file-unwritable": { kind: "error", meaning: "the plan file (--out) cannot be written" },
  "plan.file-unreadable": { kind: "error", meaning: "the saved plan file cannot be read" },
  "plan.file-corrupt": { kind: "error", meaning: "the saved plan file is not JSON" },
  "plan.file-invalid": { kind: "error", meaning: "the saved plan file is against the plan schema" },
  "plan.unknown-version": { kind: "error", meaning: "the saved plan's format version is unknown" },
  "plan.markdown-unwritable": {
    kind: "error",
    meaning: "the markdown parts (--markdown-out) or the step summary cannot be written",
  },
  "remote.fetch-failed": {
    kind: "diagnostic",
    meaning: "reading a customer's orders failed with an error that carries no code of its own",
  },
} as const satisfies Record<string, CodeEntry>;

const APPLY_CODES = {
  "apply.approval-required": { kind: "error", meaning: "no terminal to ask on, and no --auto-approve" },
  "apply.plan-flags": { kind: "error", meaning: "plan-shaping options given with a saved plan" },
  "apply.plan-has-errors": { kind: "error", meaning: "the saved plan has errors (conflicts)" },
  "apply.plan-mismatch": {
    kind: "error",
    meaning: "a saved plan's create differs from the declarations now",
  },
  "apply.stale-plan": { kind: "error", meaning: "the state moved since the saved plan was made" },
  "apply.plan-check-failed": {
    kind: "error",
    meaning: "a saved plan's actions disagree with state or Partner Center, checked inside the lock",
  },
  "apply.record-failed": {
    kind: "error",
    meaning: "an order's record could not be written, for a reason without a code of its own",
  },
  "apply.subscription-changed": {
    kind: "error",
    meaning: "a subscription's seats changed outside orderform between plan and apply; nothing was sent",
  },
  "apply.unknown-outcome": {
    kind: "error",
    meaning: "a create failed for a reason without a code of its own; it stays pending",
  },
  "generate.file-exists": {
    kind: "error",
    meaning: "a file generate would write exists with other content; nothing was written",
  },
  "generate.no-customers": { kind: "error", meaning: "the partner has no customers to generate from" },
  "generate.out-dir-unwritable": {
    kind: "error",
    meaning: "--out-dir is not a folder that can be created and written; nothing was written",
  },
  "generate.state-failed": {
    kind: "error",
    meaning: "the order files were written but state could not record them; rerun the same command",
  },
  "generate.unknown-customer": { kind: "error", meaning: "--customer names no customer of the partner" },
  "import.not-declared": { kind: "error", meaning: "import names no declared order" },
  "import.already-managed": { kind: "error", meaning: "the name is already in state with an order" },
  "import.pending": { kind: "error", meaning: "the name has a pending create whose outcome is unknown" },
  "import.order-bound": { kind: "error", meaning: "the order is already bound to another name" },
  "import.order-not-found": { kind: "error", meaning: "the customer has no order with this id" },
  "import.pending-may-own": {
    kind: "error",
    meaning: "the order may have been placed by another name's pending create",
  },
  "import.mismatch": { kind: "diagnostic", meaning: "the order does not match the declaration (--json)" },
} as const satisfies Record<string, CodeEntry>;

const STATE_CODES = {
  "state.corrupt": { kind: "state", meaning: "a state or history file is unreadable, not JSON or invalid" },
  "state.unknown-version": { kind: "state", meaning: "a state `version` this orderform does not know" },
  "state.serial-moved": { kind: "state", meaning: "another writer committed since this session opened" },
  "state.missing": { kind: "state", meaning: "the snapshot is gone but history shows there was one" },
  "state.lineage-mismatch": { kind: "state", meaning: "the snapshot or journal belongs to another state" },
  "state.rolled-back": { kind: "state", meaning: "the snapshot's serial is below history's newest version" },
  "state.history-exists": { kind: "state", meaning: "a history version for this serial exists already" },
  "state.journal-corrupt": { kind: "state", meaning: "a journal line before the last one is damaged" },
  "state.locked": { kind: "state", meaning: "the lock is held by a live run past the timeout" },
  "state.lock-stale": { kind: "state", meaning: "a dead holder's takeover was interrupted" },
  "state.lock-not-found": {
    kind: "state",
    meaning: "force-unlock with an id that is not the current lock's",
  },
  "state.lock-alive": { kind: "state", meaning: "force-unlock of a lock whose holder still runs here" },
  "state.lock-lost": { kind: "state", meaning: "this run's lock was removed or taken while it ran" },
  "state.lock-aborted": { kind: "state", meaning: "the wait for the lock was cancelled (Ctrl-C)" },
  "state.write-failed": { kind: "state", meaning: "a write to a state file or store failed" },
  "state.read-failed": { kind: "state", meaning: "a state file exists but cannot be read" },
  "state.session-closed": {
    kind: "state",
    meaning: "a record or commit after the session was released",
    internal: "a bug in the caller, never a user's problem",
  },
  "state.version-not-found": { kind: "state", meaning: "no history version with this serial" },
  "state.migrate-other-lineage": { kind: "state", meaning: "the migrate target holds another state" },
  "state.migrate-diverged": { kind: "state", meaning: "the migrate target changed since it was copied" },
  "state.migrate-target-busy": { kind: "state", meaning: "the migrate target has uncommitted records" },
  "state.migrate-no-state": { kind: "state", meaning: "there is no state to migrate" },
  "state.migrate-same-store": { kind: "state", meaning: "migrate --to names the current state" },
  "state.backend-secret-missing": { kind: "state", meaning: "the variable naming a backend secret is unset" },
  "state.backend-unreachable": { kind: "state", meaning: "the shared store does not answer" },
  "state.backend-auth-failed": { kind: "state", meaning: "the shared store refused the credentials" },
  "state.backend-missing": { kind: "state", meaning: "the database or container does not exist" },
  "state.backend-forbidden": { kind: "state", meaning: "signed in, but not allowed to do this" },
  "state.backend-unsupported": { kind: "state", meaning: "the server lacks what orderform needs" },
  "state.backend-misconfigured": { kind: "state", meaning: "the connection settings cannot be used" },
  "state.not-found": { kind: "error", meaning: "no record with this name in state" },
  "state.no-history": { kind: "error", meaning: "the state has no history yet" },
  "state.invalid-serial": { kind: "error", meaning: "a serial given to state show/diff is not a number" },
  "state.rm-pending": { kind: "error", meaning: "state rm of a name whose create or seat change is pending" },
  "state.mv-same-name": { kind: "error", meaning: "state mv with the same old and new name" },
  "state.mv-invalid-name": { kind: "error", meaning: "state mv to a name that is not a valid order name" },
  "state.mv-target-exists": { kind: "error", meaning: "state mv to a name state already holds" },
  "state.mv-pending": { kind: "error", meaning: "state mv of a name whose create or seat change is pending" },
} as const satisfies Record<string, CodeEntry>;

const PARTNER_CENTER_CODES = {
  "partner-center.http": { kind: "partner-center", meaning: "Partner Center answered with an error" },
  "partner-center.transport": { kind: "partner-center", meaning: "no answer: the connection failed" },
  "partner-center.timeout": { kind: "partner-center", meaning: "no answer within the timeouts" },
  "partner-center.invalid-response": {
    kind: "partner-center",
    meaning: "an answer lacks a required field",
  },
  "partner-center.aborted": { kind: "partner-center", meaning: "the request was cancelled (Ctrl-C)" },
  "partner-center.closed": {
    kind: "partner-center",
    meaning: "a request on a closed client",
    internal: "a bug in the caller, never a user's problem",
  },
  "partner-center.request-id": {
    kind: "partner-center",
    meaning: "createOrder without a request id",
    internal: "a bug in the caller: the applier always records the request id first",
  },
  "auth.invalid-mode": { kind: "partner-center", meaning: "an auth mode the client does not know" },
  "auth.missing-setting": {
    kind: "partner-center",
    meaning: "the auth mode needs a setting that is missing",
  },
  "auth.missing-secret": {
    kind: "partner-center",
    meaning: "the variable naming a secret is unset or empty",
  },
  "auth.malformed-secret": {
    kind: "partner-center",
    meaning: "a secret's value has stray whitespace or control characters",
  },
  "auth.token-failed": { kind: "partner-center", meaning: "the token endpoint refused or did not answer" },
  "auth.token-invalid-response": {
    kind: "partner-center",
    meaning: "the token endpoint's answer is malformed",
  },
  // Secretless sign-in and fail-fast (docs/sign-in.md).
  "auth.assertion-failed": {
    kind: "partner-center",
    meaning: "the federated assertion could not be had (OIDC request, file)",
  },
  "auth.invalid-certificate": {
    kind: "partner-center",
    meaning: "the certificate PEM lacks its key or certificate, or they do not match",
  },
  "auth.unauthorized": {
    kind: "partner-center",
    meaning: "Partner Center refused the signed-in app (401/403); the run stops",
  },
  // Orders for indirect resellers' customers need App+User (docs/sign-in.md).
  "auth.app-user-required": {
    kind: "partner-center",
    meaning: "an order was refused to an app-only sign-in (403 900150); the run stops",
  },
} as const satisfies Record<string, CodeEntry>;

const SANDBOX_CODES = {
  "sandbox.invalid-port": { kind: "error", meaning: "startSandbox was given a port out of range" },
  "sandbox.invalid-host": { kind: "error", meaning: "--host is no address of this machine" },
  "sandbox.port-in-use": { kind: "error", meaning: "the port is in use" },
  "sandbox.port-denied": { kind: "error", meaning: "the port needs privileges" },
  "sandbox.data-folder-missing": { kind: "error", meaning: "the folder of --data does not exist" },
  "sandbox.data-unreadable": { kind: "error", meaning: "--data is a folder or cannot be read" },
  "sandbox.data-unwritable": { kind: "error", meaning: "the lock next to --data cannot be created" },
  "sandbox.not-a-data-file": { kind: "error", meaning: "--data is not a sandbox data file" },
  "sandbox.data-locked": { kind: "error", meaning: "another running sandbox holds the data file" },
  "sandbox.body-too-large": {
    kind: "error",
    meaning: "a request body over its limit",
    internal: "answered as HTTP 413 in the Partner Center error shape, never printed",
  },
} as const satisfies Record<string, CodeEntry>;

export const ERROR_CODES = {
  ...YAML_CODES,
  ...ORDER_CODES,
  ...CONFIG_CODES,
  ...CLI_CODES,
  ...PLAN_CODES,
  ...APPLY_CODES,
  ...STATE_CODES,
  ...PARTNER_CENTER_CODES,
  ...SANDBOX_CODES,
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind, e.g. CodeOf<"state"> for the state layer's errors. */
export type CodeOf<K extends CodeKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]["kind"] extends K ? C : never;
}[ErrorCode];
