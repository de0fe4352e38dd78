/** The auth section of the secretless modes (docs/sign-in.md): what each needs, and exactly one source. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "orderform-auth-"));
  writeFileSync(path.join(root, "package.json"), "{}");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function loadAuth(auth: string) {
  writeFileSync(path.join(root, "orderform.config.yaml"), `auth: { tenantId: t, clientId: c, ${auth} }\n`);
  return loadConfig({ cwd: root });
}

describe("auth modes federated and certificate", () => {
  it.each([
    ["mode: federated, assertion: github-actions"],
    ["mode: federated, assertion: github-actions, audience: api://Custom"],
    ["mode: federated, assertionFile: token.jwt"],
    ["mode: federated, assertionEnv: MY_TOKEN"],
    ["mode: certificate, certificateFile: app.pem"],
    ["mode: certificate, certificateEnv: MY_PEM"],
  ])("%s is accepted as written", async (auth) => {
    const result = await loadAuth(auth);
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.config.auth?.mode).toMatch(/^(federated|certificate)$/);
  });

  it.each([
    ["mode: federated", "config.auth-incomplete", "assertion or assertionFile or assertionEnv"],
    ["mode: certificate", "config.auth-incomplete", "certificateFile or certificateEnv"],
    [
      "mode: federated, assertion: github-actions, assertionEnv: T",
      "config.conflicting-keys",
      "auth.assertion and auth.assertionEnv",
    ],
    ["mode: certificate, certificateFile: a.pem, certificateEnv: P", "config.conflicting-keys", "both set"],
    ["mode: federated, assertionFile: t, audience: x", "config.conflicting-keys", "auth.audience"],
    ["mode: federated, assertion: gitlab", "config.invalid-value", "auth.assertion"],
    ["mode: certificate, certificateEnv: '-----BEGIN'", "config.invalid-env-name", "auth.certificateEnv"],
    ["mode: certificate, privateKey: x", "config.secret-in-config", "auth.privateKey"],
  ])("%s gives %s", async (auth, code, text) => {
    const result = await loadAuth(auth);
    expect(result.loaded).toBeNull();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code, message: expect.stringContaining(text) }),
    ]);
  });
});
