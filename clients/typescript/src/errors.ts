// Errors as values a caller can branch on: the gRPC code plus the rich
// status the server attaches (google.rpc.ErrorInfo reason and metadata,
// RetryInfo, BadRequest), read once here so callers never decode details.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";

export interface FieldViolation {
  field: string;
  description: string;
}

/**
 * Every failed call. `reason` is the ErrorInfo reason (stable, listed in the
 * README: REFRESH_TOKEN_REUSED, SESSION_REVOKED, RATE_LIMITED, ...), "" when
 * the failure did not come from the server (a deadline, a dropped connection).
 */
export class SessionAuthorityError extends Error {
  override readonly name: string = "SessionAuthorityError";

  constructor(
    readonly code: Code,
    readonly rawMessage: string,
    readonly reason: string,
    readonly metadata: Readonly<Record<string, string>>,
    readonly retryAfterMs: number | undefined,
    readonly fieldViolations: readonly FieldViolation[],
    override readonly cause?: unknown,
  ) {
    super(`${Code[code]}: ${rawMessage}${reason ? ` [${reason}]` : ""}`);
  }

  /** The gRPC status name, e.g. "Unauthenticated". */
  get codeName(): string {
    return Code[this.code] ?? String(this.code);
  }
}

/** The watch asked for history the server no longer keeps (OUT_OF_RANGE):
 * reload state with ListSessions, then watch from `compactRevision`. */
export class HistoryCompacted extends SessionAuthorityError {
  override readonly name = "HistoryCompacted";

  get compactRevision(): bigint {
    return BigInt(this.metadata["compact_revision"] ?? "0");
  }
}

/** Wraps anything a call threw; a SessionAuthorityError passes through. */
export function toSessionAuthorityError(err: unknown): SessionAuthorityError {
  if (err instanceof SessionAuthorityError) {
    return err;
  }
  const ce = ConnectError.from(err);
  const info = ce.findDetails(ErrorInfoSchema)[0];
  const retry = ce.findDetails(RetryInfoSchema)[0]?.retryDelay;
  const retryAfterMs =
    retry === undefined ? undefined : Number(retry.seconds) * 1000 + retry.nanos / 1e6;
  const violations = ce
    .findDetails(BadRequestSchema)
    .flatMap((b) => b.fieldViolations)
    .map((v) => ({ field: v.field, description: v.description }));
  const Kind = ce.code === Code.OutOfRange ? HistoryCompacted : SessionAuthorityError;
  return new Kind(
    ce.code,
    ce.rawMessage,
    info?.reason ?? "",
    { ...(info?.metadata ?? {}) },
    retryAfterMs,
    violations,
    err,
  );
}
