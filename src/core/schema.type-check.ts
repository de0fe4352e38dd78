/**
 * Compile-time checks that the hand-written models match the JSON Schemas they are persisted as
 * (docs/schemas.md): `npm run typecheck` fails when one drifts from the other. Nothing here runs.
 *
 * Two checks per shape:
 * - Fits: every value of the model type is a value of the schema's type, so the literal unions
 *   (billing cycles, statuses, term durations) are within the schema's and every required field
 *   is there;
 * - SameFields: with literals widened to their base type, the two are the same type: the same
 *   fields, each optional or required alike, nested alike. Only literal unions may differ.
 *
 * What differs on purpose: the state schema accepts any string as a term duration (a newer
 * orderform may declare more terms; such a state must stay readable), while the model keeps the
 * declared ones (TermDuration). The plan schema embeds state records and remote orders loosely
 * (its description says why), so a Plan only Fits its schema; its own parts are checked field by field.
 */
import type * as PlanSchema from "../generated/plan-types.js";
import type * as StateSchema from "../generated/state-types.js";
import type * as WireSchema from "../generated/wire-types.js";
import type { Diagnostic } from "./errors.js";
import type {
  DesiredLineItem,
  DesiredOrder,
  OrderContent,
  ObservedSeatChange,
  PendingIntent,
  RemoteLineItem,
  SeatChange,
  SentSeatChange,
  StateFile,
  StateOrder,
} from "./model.js";
import type { FieldDifference, Plan, PlanSummary } from "./plan.js";
import type { OpenCancellationWindow } from "./order-window.js";
import type { JournalEntry } from "./state-journal.js";

/** True when A and B are the same type (not merely assignable both ways). */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** True when every value of A is a value of B. */
export type Fits<A, B> = [A] extends [B] ? true : false;

/** The type with its literal unions widened to string, number or boolean, and intersections merged. */
type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer U)[]
        ? Widen<U>[]
        : T extends object
          ? { [K in keyof T]: Widen<T[K]> }
          : T;

export type SameFields<A, B> = Equals<Widen<A>, Widen<B>>;

/** Compiles only when every element is true. */
export type Check<T extends true[]> = T;

// The state file and its records (schemas/state.schema.json).
type _StateChecks = Check<
  [
    Fits<StateFile, StateSchema.StateFile>,
    SameFields<StateFile, StateSchema.StateFile>,
    Fits<StateOrder, StateSchema.StateOrder>,
    SameFields<StateOrder, StateSchema.StateOrder>,
    Fits<PendingIntent, StateSchema.PendingIntent>,
    SameFields<PendingIntent, StateSchema.PendingIntent>,
    Fits<OrderContent, StateSchema.StateOrderContent>,
    SameFields<OrderContent, StateSchema.StateOrderContent>,
    Fits<DesiredLineItem, StateSchema.StateLineItem>,
    SameFields<DesiredLineItem, StateSchema.StateLineItem>,
    Fits<SeatChange, StateSchema.SeatChange>,
    SameFields<SeatChange, StateSchema.SeatChange>,
    SameFields<SentSeatChange, StateSchema.SentSeatChange>,
    SameFields<ObservedSeatChange, StateSchema.ObservedSeatChange>,
    Fits<JournalEntry, StateSchema.JournalEntry>,
    SameFields<JournalEntry, StateSchema.JournalEntry>,
    Equals<RemoteLineItem, WireSchema.WireLineItem>,
  ]
>;

// The plan (schemas/plan.schema.json): the whole fits; the parts the plan owns match field by field.
type _PlanChecks = Check<
  [
    Fits<Plan, PlanSchema.PlanDocument>,
    Fits<DesiredLineItem, PlanSchema.PlanLineItem>,
    Fits<PlanSchema.PlanLineItem, DesiredLineItem>,
    SameFields<DesiredLineItem, PlanSchema.PlanLineItem>,
    Fits<OrderContent, PlanSchema.PlanContent>,
    Fits<PlanSchema.PlanContent, OrderContent>,
    Fits<DesiredOrder, PlanSchema.PlanDesiredOrder>,
    Fits<PlanSchema.PlanDesiredOrder, DesiredOrder>,
    SameFields<DesiredOrder, PlanSchema.PlanDesiredOrder>,
    SameFields<FieldDifference, PlanSchema.Difference>,
    SameFields<PlanSummary, PlanSchema.PlanDocument["summary"]>,
    SameFields<Plan["state"], PlanSchema.PlanDocument["state"]>,
    SameFields<Plan["options"], PlanSchema.PlanDocument["options"]>,
    SameFields<OpenCancellationWindow, NonNullable<PlanSchema.PlanDocument["cancellationWindows"]>[number]>,
    Fits<Diagnostic, PlanSchema.PlanDiagnostic>,
    SameFields<Pick<Diagnostic, keyof PlanSchema.PlanDiagnostic>, PlanSchema.PlanDiagnostic>,
  ]
>;
