/**
 * Where an order file's editor modeline points (`# yaml-language-server: $schema=...`): the
 * project's own schemas/order.schema.json when it has one (this repository, a vendored copy), else
 * the installed package's (node_modules/orderform/schemas), else the schema shipped beside this
 * build; as a path relative to the file's folder, with forward slashes.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The build's own copy: dist/cli/main.js and dist/chunks/*.js (and src/operations/*.ts) sit two folders below the package. */
const SHIPPED = fileURLToPath(new URL("../../schemas/order.schema.json", import.meta.url));

export function resolveOrderSchemaPath(fileDir: string, rootDir: string): string {
  const candidates = [
    path.join(rootDir, "schemas", "order.schema.json"),
    path.join(rootDir, "node_modules", "orderform", "schemas", "order.schema.json"),
  ];
  const schema = candidates.find((candidate) => existsSync(candidate)) ?? SHIPPED;
  return path.relative(fileDir, schema).split(path.sep).join("/");
}
