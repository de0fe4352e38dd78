// An estate to plan at scale (docs/performance.md): `customers` customers with `perCustomer`
// completed orders each, seeded in the sandbox, declared one file per order and recorded in state
// as the applier writes it (checked by the product's own state validator). Every order is older
// than the visibility window, so a full plan finds nothing to do. Shared by plan-bench.mjs and
// plan-cost-bench.mjs. Needs dist/ (build first).
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createOrderBody } from "../../../dist/partner-center/wire.js";
import { checkStateValue } from "../../../dist/state/validate-state.js";
import { LICENSE_OFFER, createCustomerId, createProject, fetchJson } from "./common.mjs";

/** An order file as a user writes it. */
export function createOrderYaml(name, content) {
  const line = content.lineItems[0];
  return `name: ${name}
customer: ${content.customer}
billingCycle: monthly
partnerOnRecordAttestationAccepted: true
lineItems:
  - offerId: "${line.offerId}"
    quantity: ${line.quantity}
    termDuration: P1M
    attestationAccepted: true
`;
}

/** The normalized content loadOrders makes of an order file: what state records as `applied`. */
export function createContent(customer, quantity) {
  return {
    customer,
    billingCycle: "monthly",
    partnerOnRecordAttestationAccepted: true,
    lineItems: [
      { lineItemNumber: 0, offerId: LICENSE_OFFER, quantity, termDuration: "P1M", attestationAccepted: true },
    ],
  };
}

/** Seeds the sandbox at `url` and writes a project for it; returns the project folder. */
export async function createPlanEstate(url, { customers, perCustomer }) {
  const orders = customers * perCustomer;
  // Older than the visibility window, so a missing order would be drift (and fetched by id).
  const created = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
  const orderName = (i) => `c${Math.floor(i / perCustomer)}/order-${i % perCustomer}`;
  const dir = await createProject(url);
  await fetchJson(
    `${url}/_sandbox/customers`,
    "POST",
    Array.from({ length: customers }, (_, i) => ({ id: createCustomerId(i), companyName: `Customer ${i}` })),
  );
  const contents = Array.from({ length: orders }, (_, i) =>
    createContent(createCustomerId(Math.floor(i / perCustomer)), (i % 20) + 1),
  );
  const requestIds = contents.map(() => randomUUID());
  const seeded = await fetchJson(
    `${url}/_sandbox/orders?compact=1`,
    "POST",
    contents.map((content, i) => ({
      customer: content.customer,
      requestId: requestIds[i],
      creationDate: created,
      status: "completed",
      ...createOrderBody(content),
    })),
  );
  if (seeded.count !== orders) throw new Error(`seeded ${seeded.count} orders, expected ${orders}`);

  // The state as the applier writes it (src/apply/applier.ts createStateOrder).
  const records = {};
  for (let i = 0; i < orders; i += 1) {
    const name = orderName(i);
    const content = contents[i];
    const line = content.lineItems[0];
    records[name] = {
      name,
      customer: content.customer,
      orderId: seeded.items[i].id,
      requestId: requestIds[i],
      creationDate: created,
      recordedAt: created,
      status: "completed",
      applied: content,
      remoteLineItems: [
        {
          lineItemNumber: 0,
          offerId: line.offerId,
          quantity: line.quantity,
          termDuration: line.termDuration,
        },
      ],
      origin: "created",
    };
  }
  const state = { version: 1, lineage: randomUUID(), serial: 1, orders: records, pending: {}, failures: {} };
  checkStateValue(state, "orderform.state.json");
  await writeFile(join(dir, "orderform.state.json"), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });

  for (let c = 0; c < customers; c += 1) await mkdir(join(dir, "orders", `c${c}`));
  const writes = [];
  for (let i = 0; i < orders; i += 1) {
    writes.push(
      writeFile(join(dir, "orders", `${orderName(i)}.yaml`), createOrderYaml(orderName(i), contents[i])),
    );
    if (writes.length === 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return dir;
}
