/**
 * The applier (docs/exactly-once.md): executes a plan's create and resume actions exactly once.
 *
 * The order of durable steps is the whole point:
 *   1. append the intent (fsync) before any byte of the POST is sent;
 *   2. POST with MS-RequestId = the intent's id (the client reuses it on every retry);
 *   3. append the created order (fsync) as soon as the 201 arrives.
 * A kill between 1 and 3 leaves a pending intent; the next run re-sends it with the same request id
 * (the service replays the original answer), and adopts a listed order only as the planner allows
 * (src/core/adoption.ts). A create's request id is derived from the locked state, never from the
 * plan (src/core/request-id.ts; docs/exactly-once.md).
 */
import type { OrderContent, RemoteOrder, StateOrder } from "../core/model.js";
import type { CreateAction, Plan, PlanAction, ResumeAction, UpdateAction } from "../core/plan.js";
import { assertNever } from "../core/plan.js";
import { createRequestId } from "../core/request-id.js";
import { selectNextGeneration } from "../core/state-journal.js";
import { selectNewCustomerName } from "../core/customer-names.js";
import {
  PartnerCenterError,
  createCredentialsRefusal,
  selectRefusalScope,
} from "../partner-center/errors.js";
import type { PartnerCenterClient } from "../partner-center/types.js";
import type { StateSession } from "../state/types.js";
import type { ApplyEvent, ApplySummary } from "./events.js";
import { describeFailure, type CredentialsRefusal } from "./create-failure.js";
import { applySeatUpdates, type SeatChangeActor } from "./seat-updater.js";
import { createStateFailureError, createStoppedEvent, type StateFailure } from "./state-failure.js";

export interface ApplyOptions {
  plan: Plan;
  session: StateSession;
  client: PartnerCenterClient;
  parallelism: number;
  /** Aborted on the first Ctrl-C: no new order starts; the ones in flight finish and are recorded. */
  stopSignal: AbortSignal;
  now: () => Date;
  onEvent: (event: ApplyEvent) => void;
  /** The order list's visibility delay: a resumed intent younger than this may still be unlisted. */
  visibilityWindowMs: number;
  /** Who runs the apply, recorded with each seat change. */
  actor?: SeatChangeActor;
}

type Work = CreateAction | ResumeAction | UpdateAction;

/** The applier's own options for one create: told when Partner Center refused the credentials. */
interface ActionOptions extends ApplyOptions {
  onCredentialsRefused: (refusal: CredentialsRefusal) => void;
}

export function selectApplyWork(plan: Plan): Work[] {
  const work: Work[] = [];
  for (const action of plan.actions) {
    if (isWork(action)) work.push(action);
  }
  return work;
}

function isWork(action: PlanAction): action is Work {
  switch (action.kind) {
    case "create":
    case "resume":
    case "update":
      return true;
    case "no-op":
    case "drift":
    case "conflict":
    case "undeclared":
      return false;
    default:
      return assertNever(action);
  }
}

/** Status changes seen while planning (pending -> completed) are recorded as cheap journal entries. */
export async function recordStatusChanges(plan: Plan, session: StateSession): Promise<void> {
  for (const action of plan.actions) {
    if (
      action.kind === "no-op" &&
      action.remoteStatus !== undefined &&
      action.remoteStatus !== action.stateOrder.status
    ) {
      await session.append({ type: "status", name: action.name, status: action.remoteStatus });
    }
  }
}

export async function applyPlan(options: ApplyOptions): Promise<ApplySummary> {
  const { plan, session, onEvent } = options;
  const summary: ApplySummary = { created: 0, adopted: 0, failed: 0, pending: 0, skipped: 0, updated: 0 };
  await recordStatusChanges(plan, session);

  // Orders of one customer go one after another (the service's per-customer limits and ordering);
  // customers run concurrently up to --parallelism, all sharing the client's rate limiter.
  const queues = new Map<string, Work[]>();
  for (const action of selectApplyWork(plan)) {
    const queue = queues.get(action.customer) ?? [];
    queue.push(action);
    queues.set(action.customer, queue);
  }
  const customers = [...queues.keys()];
  let next = 0;
  // A failed journal append (state.write-failed, state.lock-lost) stops every worker from starting
  // another order; the orders in flight finish, and the failures are thrown once all have drained.
  const stateFailures: StateFailure[] = [];
  // A create refused for the credentials (401, 403 900150: docs/sign-in.md, "Fail fast") stops
  // the run the same way: that order was not bought, and no other order is started.
  let refused: CredentialsRefusal | undefined;
  const startedRequests = new Map<string, string>();
  const actionOptions: ActionOptions = {
    ...options,
    onEvent: (event) => {
      if (event.type === "order_started") startedRequests.set(event.name, event.requestId);
      onEvent(event);
    },
    onCredentialsRefused: (refusal) => {
      refused ??= refusal;
    },
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const customer = customers[next++];
      if (customer === undefined) return;
      for (const action of queues.get(customer) ?? []) {
        if (options.stopSignal.aborted || stateFailures.length > 0 || refused !== undefined) {
          summary.skipped += 1;
          onEvent({
            type: "order_skipped",
            name: action.name,
            customer,
            reason:
              stateFailures.length > 0
                ? "not started: the state could not be written"
                : refused !== undefined
                  ? "not started: Partner Center refused the sign-in's credentials"
                  : "interrupted before it started",
          });
          continue;
        }
        try {
          if (action.kind === "update") {
            const outcomes = await applySeatUpdates(action, {
              session,
              client: options.client,
              now: options.now,
              onEvent,
              actor: options.actor ?? {},
              onStarted: (requestId) => startedRequests.set(action.name, requestId),
            });
            for (const outcome of outcomes) if (outcome !== "waiting") summary[outcome] += 1;
          } else {
            const outcome = await applyAction(action, actionOptions);
            summary[outcome] += 1;
          }
        } catch (error) {
          const started = startedRequests.get(action.name);
          stateFailures.push({ name: action.name, started: started !== undefined, error });
          onEvent(createStoppedEvent(action, started, error));
        }
      }
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(options.parallelism, customers.length)) },
    worker,
  );
  await Promise.all(workers);
  if (stateFailures.length > 0) throw createStateFailureError(stateFailures, summary.skipped);
  if (refused !== undefined) {
    throw createCredentialsRefusal(
      refused.error,
      `placing ${refused.name} for customer ${refused.customer}`,
      `stopped: that order was not bought, ${summary.skipped} other declared order(s) were not started, and the ${summary.created + summary.adopted} placed in this run are recorded`,
    );
  }
  onEvent({ type: "summary", ...summary });
  return summary;
}

type Outcome = "created" | "adopted" | "failed" | "pending";

async function applyAction(action: CreateAction | ResumeAction, options: ActionOptions): Promise<Outcome> {
  const { session, onEvent } = options;
  if (action.kind === "resume" && action.adopt?.mode === "instead") {
    return recordAdoption(action, action.adopt.order, options);
  }

  let requestId: string;
  let content: OrderContent;
  if (action.kind === "resume") {
    // Same request id and the same body as first sent: the service answers with the order it made.
    requestId = action.intent.requestId;
    content = action.intent.content;
  } else {
    // Derived from the state as locked now: two runners on the same state send the same id for
    // the same purchase, and the service answers the second with the first one's order.
    const state = session.current();
    const generation = selectNextGeneration(state, action.name);
    content = action.content;
    requestId = createRequestId({ lineage: state.lineage, name: action.name, content, generation });
    await session.append({
      type: "intent",
      intent: {
        name: action.name,
        customer: action.customer,
        requestId,
        startedAt: options.now().toISOString(),
        content,
        generation,
      },
    });
  }
  onEvent({
    type: "order_started",
    name: action.name,
    customer: action.customer,
    requestId,
    mode: action.kind,
  });

  let order: RemoteOrder;
  try {
    order = await options.client.createOrder(action.customer, content, {
      requestId,
      onRetry: (info) =>
        onEvent({
          type: "order_retrying",
          name: action.name,
          customer: action.customer,
          attempt: info.attempt,
          delayMs: info.delayMs,
          reason: info.reason,
        }),
    });
  } catch (error) {
    return recordUnsuccessfulCreate(action, requestId, error, options);
  }
  // For a resume this is the authoritative answer: the order the intent's request id made, even
  // when the plan named another listed order as a fallback. A failure to record it is thrown as a
  // state failure (the order exists), never taken for a failed create.
  const now = options.now();
  await session.append({
    type: "created",
    order: createStateOrder(action.name, content, requestId, order, "created", now),
    ...selectNewCustomerName(action, session.current(), now),
  });
  onEvent({
    type: "order_created",
    name: action.name,
    customer: action.customer,
    orderId: order.id,
    requestId,
    origin: "created",
  });
  return "created";
}

async function recordUnsuccessfulCreate(
  action: CreateAction | ResumeAction,
  requestId: string,
  error: unknown,
  options: ActionOptions,
): Promise<Outcome> {
  const { session, onEvent } = options;
  const failure = describeFailure(error);
  if (error instanceof PartnerCenterError && selectRefusalScope(error, "write") === "credentials") {
    options.onCredentialsRefused({ name: action.name, customer: action.customer, error });
  }
  if (failure.business && provesNothingWasBought(action, error, options)) {
    // The service refused the order: nothing was bought, so the intent is dropped and the failure kept.
    await session.append({
      type: "failed",
      failure: {
        name: action.name,
        customer: action.customer,
        requestId,
        at: options.now().toISOString(),
        httpStatus: failure.httpStatus ?? 0,
        code: failure.code,
        description: failure.message,
      },
    });
    onEvent({
      type: "order_failed",
      name: action.name,
      customer: action.customer,
      requestId,
      pending: false,
      ...failure.fields,
    });
    return "failed";
  }
  // The re-send got no authoritative answer: none at all (retries exhausted, connection lost), or
  // a refusal, which means the service no longer recognises the request id. A listed order that
  // only this intent can have made is then recorded (the planner's fallback); without one the
  // intent is kept, and the next run re-sends the same request id.
  if (action.kind === "resume" && action.adopt !== undefined) {
    return recordAdoption(action, action.adopt.order, options);
  }
  onEvent({
    type: "order_failed",
    name: action.name,
    customer: action.customer,
    requestId,
    pending: true,
    ...failure.fields,
  });
  return "pending";
}

async function recordAdoption(
  action: ResumeAction,
  order: RemoteOrder,
  options: ApplyOptions,
): Promise<Outcome> {
  const { intent } = action;
  const now = options.now();
  await options.session.append({
    type: "created",
    order: createStateOrder(action.name, intent.content, intent.requestId, order, "adopted", now),
    ...selectNewCustomerName(action, options.session.current(), now),
  });
  options.onEvent({
    type: "order_created",
    name: action.name,
    customer: action.customer,
    orderId: order.id,
    requestId: intent.requestId,
    origin: "adopted",
  });
  return "adopted";
}

/**
 * A refusal drops the intent only when it proves that no order exists for it:
 * - not when an earlier attempt of the same call went unanswered (it may have placed the order, and
 *   the service's de-duplication by MS-RequestId is undocumented in its details);
 * - for a resumed intent, only when it was older than the list's visibility delay when the plan was
 *   made: the planner then saw the customer's complete list without a matching order to adopt.
 * Otherwise the intent stays pending, and the next run resumes or adopts it.
 */
function provesNothingWasBought(
  action: CreateAction | ResumeAction,
  error: unknown,
  options: ApplyOptions,
): boolean {
  if (error instanceof PartnerCenterError && error.afterUnknownOutcome) return false;
  if (action.kind === "create") return true;
  // The planner found a listed order that only this intent can have made: a refusal of the re-send
  // (the service no longer recognising the request id) does not prove that nothing was bought.
  if (action.adopt !== undefined) return false;
  // The age that matters is the intent's age when the plan read the list, not now.
  const started = Date.parse(action.intent.startedAt);
  const planned = Date.parse(options.plan.createdAt);
  return (
    Number.isFinite(started) && Number.isFinite(planned) && planned - started > options.visibilityWindowMs
  );
}

export function createStateOrder(
  name: string,
  content: OrderContent,
  requestId: string,
  order: {
    id: string;
    creationDate: string;
    status: StateOrder["status"];
    lineItems: StateOrder["remoteLineItems"];
  },
  origin: StateOrder["origin"],
  now: Date,
): StateOrder {
  return {
    name,
    customer: content.customer,
    orderId: order.id,
    requestId,
    creationDate: order.creationDate,
    recordedAt: now.toISOString(),
    status: order.status,
    applied: content,
    ...(order.lineItems === undefined ? {} : { remoteLineItems: order.lineItems }),
    origin,
  };
}
