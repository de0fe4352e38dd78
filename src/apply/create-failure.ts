/**
 * How the applier reads a failed create (docs/exactly-once.md): the code and message it records,
 * whether the service's answer is a definitive refusal, and the refusal of the credentials that
 * stops the run (docs/sign-in.md, "Fail fast").
 */
import { OrderformError } from "../core/errors.js";
import { PartnerCenterError, isBusinessError } from "../partner-center/errors.js";

/** A create Partner Center refused for the credentials: the order, and the answer. */
export interface CredentialsRefusal {
  name: string;
  customer: string;
  error: PartnerCenterError;
}

interface FailureDescription {
  business: boolean;
  httpStatus?: number;
  code: string;
  message: string;
  fields: { httpStatus?: number; code: string; message: string };
}

export function describeFailure(error: unknown): FailureDescription {
  if (error instanceof PartnerCenterError) {
    const code = error.serviceCode === undefined ? error.code : String(error.serviceCode);
    const message = error.description !== "" ? error.description : error.message;
    const httpStatus = error.httpStatus;
    return {
      business: isBusinessError(error),
      httpStatus,
      code,
      message,
      fields: { httpStatus, code, message },
    };
  }
  const code = error instanceof OrderformError ? error.code : "apply.unknown-outcome";
  const message = error instanceof Error ? error.message : String(error);
  return { business: false, code, message, fields: { code, message } };
}
