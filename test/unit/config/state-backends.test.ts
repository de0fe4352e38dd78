/** The state section for each backend: defaults, per-backend keys, container URLs (docs/backends.md). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "orderform-config-"));
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "fixture", private: true }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function loadState(yaml: string) {
  writeFileSync(path.join(root, "orderform.config.yaml"), yaml);
  const result = await loadConfig({ cwd: root });
  return {
    state: result.loaded?.config.state,
    codes: result.diagnostics.map((d) => `${d.code}@${d.line ?? 0}:${d.column ?? 0}`),
  };
}

const AZBLOB = [
  "state:",
  "  backend: azblob",
  "  url: https://acct.blob.core.windows.net/states/",
  "  name: prod",
  "  auth: { mode: shared-key, accountName: acct, accountKeyEnv: ORDERFORM_STORAGE_KEY }",
].join("\n");

describe("state backends in the config", () => {
  it("azblob gets its defaults and loses the trailing slash of its URL", async () => {
    expect(await loadState(`${AZBLOB}\n`)).toEqual({
      state: {
        backend: "azblob",
        url: "https://acct.blob.core.windows.net/states",
        name: "prod",
        auth: { mode: "shared-key", accountName: "acct", accountKeyEnv: "ORDERFORM_STORAGE_KEY" },
        leaseSeconds: 60,
      },
      codes: [],
    });
  });

  it("pg gets its defaults", async () => {
    expect(
      await loadState("state:\n  backend: pg\n  connectionStringEnv: ORDERFORM_PG_URL\n  name: prod\n"),
    ).toEqual({
      state: {
        backend: "pg",
        connectionStringEnv: "ORDERFORM_PG_URL",
        schema: "orderform",
        name: "prod",
        lockTtlSeconds: 60,
      },
      codes: [],
    });
  });

  it.each([
    [
      "a key of another backend",
      "state:\n  backend: pg\n  connectionStringEnv: X\n  name: p\n  path: s.json\n",
      "config.state-key-not-for-backend@5:9",
    ],
    [
      "pg without its connection string",
      "state:\n  backend: pg\n  name: p\n",
      "config.state-incomplete@2:12",
    ],
    [
      "azblob without auth",
      "state:\n  backend: azblob\n  url: https://a.blob.core.windows.net/c\n  name: p\n",
      "config.state-incomplete@2:12",
    ],
    [
      "a container URL over plain http to another host",
      AZBLOB.replace("https://acct", "http://acct"),
      "config.invalid-state-url@3:8",
    ],
    ["an account URL without a container", AZBLOB.replace("/states/", "/"), "config.invalid-state-url@3:8"],
    ["a SAS token in the URL", AZBLOB.replace("/states/", "/states?sig=abc"), "config.invalid-state-url@3:8"],
    [
      "sas auth without its variable",
      AZBLOB.replace(
        "{ mode: shared-key, accountName: acct, accountKeyEnv: ORDERFORM_STORAGE_KEY }",
        "{ mode: sas }",
      ),
      "config.auth-incomplete@5:17",
    ],
    ["a lease out of Azure's range", `${AZBLOB}\n  leaseSeconds: 90`, "config.invalid-value@6:17"],
    [
      "a schema that is not an identifier",
      "state:\n  backend: pg\n  connectionStringEnv: X\n  name: p\n  schema: Drop Table\n",
      "config.invalid-value@5:11",
    ],
  ])("refuses %s", async (_name, yaml, code) => {
    const { codes } = await loadState(`${yaml}\n`);
    expect(codes).toContain(code);
  });
});
