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
  | { type: "summary"; created: number; adopted: number; failed: number; pending: number; skipped: number };

export type ApplySummary = Omit<Extract<ApplyEvent, { type: "summary" }>, "type">;
