// The one conversion from a failed call to what a page shows: the Connect code, the developer
// message, and each invalid field from the google.rpc.BadRequest detail (docs/connect-api.md,
// "Errors"). Field paths are the service's proto paths, e.g. `completion.suds.before`.
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";

/** One invalid request field, as the service named it. */
export interface FieldViolation {
  /** The proto field path in snake_case, e.g. `completion.thought_record.situation`. */
  field: string;
  /** What is wrong, for a developer (English; the UI shows its own localised text). */
  description: string;
}

/** A failed call in plain values. */
export interface ApiError {
  /** The Connect code. */
  code: Code;
  /** The code as the Connect protocol spells it, e.g. `invalid_argument`. */
  codeName: string;
  /** The service's message without the `[code]` prefix connect-web adds. */
  message: string;
  /** The invalid fields; empty unless the code is INVALID_ARGUMENT. */
  fieldViolations: FieldViolation[];
}

/** Converts anything a call threw (ConnectError, network TypeError, ...) into an ApiError. */
export function toApiError(error: unknown): ApiError {
  const connectError = ConnectError.from(error);
  const fieldViolations: FieldViolation[] = [];
  for (const detail of connectError.findDetails(BadRequestSchema)) {
    for (const violation of detail.fieldViolations) {
      fieldViolations.push({ field: violation.field, description: violation.description });
    }
  }
  return {
    code: connectError.code,
    codeName: codeName(connectError.code),
    message: connectError.rawMessage,
    fieldViolations,
  };
}

/** `Code.InvalidArgument` -> `invalid_argument`, as on the wire. */
function codeName(code: Code): string {
  if (code === Code.Canceled) return "canceled";
  const name = Code[code] ?? "unknown";
  return name.replace(/[A-Z]/g, (letter, index: number) =>
    (index === 0 ? "" : "_") + letter.toLowerCase());
}
