/**
 * Reading and editing a test project's local state file as JSON, to put a project into a state a
 * run leaves behind (docs/exactly-once.md): e.g. killed after sending a create and before recording
 * its answer.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fetchJson, type TestProject } from "./helpers.js";

export interface StateJson {
  lineage: string;
  serial: number;
  orders: Record<string, { orderId: string; requestId: string; creationDate: string; applied: unknown }>;
  pending: Record<string, Record<string, unknown>>;
  failures: Record<string, Record<string, unknown>>;
  generations?: Record<string, number>;
}

export async function readStateJson(project: TestProject): Promise<StateJson> {
  return JSON.parse(await readFile(join(project.dir, "orderform.state.json"), "utf8")) as StateJson;
}

async function writeStateJson(project: TestProject, state: StateJson): Promise<void> {
  await writeFile(join(project.dir, "orderform.state.json"), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * As if the run was killed after sending `name`'s create: its record becomes the pending intent it
 * came from (same request id and content, generation 0), started at `startedAt` (by default 30 s
 * before the order was created). Returns the record it replaced.
 */
export async function writeRecordAsIntent(
  project: TestProject,
  name: string,
  startedAt?: string,
): Promise<StateJson["orders"][string]> {
  const state = await readStateJson(project);
  const record = state.orders[name];
  if (record === undefined) throw new Error(`no record named ${name} to turn into an intent`);
  delete state.orders[name];
  state.pending[name] = {
    name,
    customer: (record.applied as { customer: string }).customer,
    requestId: record.requestId,
    startedAt: startedAt ?? new Date(Date.parse(record.creationDate) - 30_000).toISOString(),
    content: record.applied,
    generation: 0,
  };
  await writeStateJson(project, state);
  return record;
}

/** Orders placed behind orderform's back (the sandbox's admin API); returns their ids. */
export async function seedSandboxOrders(url: string, orders: object[]): Promise<{ id: string }[]> {
  const answer = await fetchJson<{ items: { order: { id: string } }[] }>(`${url}/_sandbox/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(orders),
  });
  return answer.items.map((item) => item.order);
}
