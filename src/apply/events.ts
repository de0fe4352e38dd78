/**
 * Apply events: the single stream that drives listr2 progress, `--json` lines and the final summary.
 * Field names are snake_case in `type` to match Terraform's machine-readable UI convention.
 */

export type ApplyEvent =
  | { type: "order_started"; name: string; customer: string; requestId: string; mode: "create" | "resume" }
  | {
      type: "order_retrying";
      name: string;
      customer: string;
      attempt: number;
      delayMs: number;
      reason: string;
    }
  | {
      type: "order_created";
      name: string;
      customer: string;
      orderId: string;
      requestId: string;
      origin: "created" | "adopted";
    }
  | {
      type: "order_failed";
      name: string;
      customer: string;
      requestId: string;
      /** true: the intent stays pending and the next apply resumes it with the same request id. */
      pending: boolean;
      httpStatus?: number;
      code: string;
      message: string;
    }
  | { type: "order_skipped"; name: string; customer: string; reason: string }
  // Seat changes in place, one line item each (src/apply/seat-updater.ts).
  | {
      type: "update_started";
      name: string;
      customer: string;
      lineItemNumber: number;
      subscriptionId: string;
      requestId: string;
      from: number;
      to: number;
      /** "resume": a started change, finished with its recorded request id. */
      mode: "update" | "resume";
    }
  | {
      type: "update_done";
      name: string;
      customer: string;
      lineItemNumber: number;
      subscriptionId: string;
      requestId: string;
      from: number;
      to: number;
      /** false: the subscription already had the new quantity; nothing was sent. */
      sent: boolean;
    }
  | {
      type: "update_failed";
      name: string;
      customer: string;
      lineItemNumber: number;
      subscriptionId: string;
      requestId: string;
      /** true: the intent stays pending and the next apply finishes it with the same request id. */
      pending: boolean;
      httpStatus?: number;
      code: string;
      message: string;
    }
  | { type: "update_skipped"; name: string; customer: string; lineItemNumber: number; reason: string }
  | {
      type: "summary";
      created: number;
      adopted: number;
      failed: number;
      pending: number;
      skipped: number;
      /** Seat changes recorded (line items); failed, pending and skipped count them too. */
      updated: number;
    };

export type ApplySummary = Omit<Extract<ApplyEvent, { type: "summary" }>, "type">;
