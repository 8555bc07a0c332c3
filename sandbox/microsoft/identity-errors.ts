import { newGuid } from "./ids.ts";

/**
 * Token-endpoint errors as Entra returns them (protocol reference 1.5): integer `error_codes`,
 * a space-separated timestamp, and trace/correlation ids embedded in `error_description` with `\r\n`.
 */
export class IdentityError extends Error {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number;
  readonly suberror: string | undefined;

  constructor(params: {
    status?: number;
    error: string;
    aadsts: number;
    message: string;
    suberror?: string;
  }) {
    super(params.message);
    this.status = params.status ?? 400;
    this.error = params.error;
    this.aadsts = params.aadsts;
    this.suberror = params.suberror;
  }
}

export function aadTimestamp(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19).replace("T", " ") + "Z";
}

export function renderIdentityError(params: {
  error: IdentityError;
  nowMs: number;
  correlationId?: string;
}): Record<string, unknown> {
  const traceId = newGuid();
  const correlationId = params.correlationId ?? newGuid();
  const timestamp = aadTimestamp(params.nowMs);
  const { error } = params;
  return {
    error: error.error,
    error_description: `AADSTS${error.aadsts}: ${error.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
    ...(error.suberror ? { suberror: error.suberror } : {}),
  };
}

export function invalidGrant(aadsts: number, message: string, suberror?: string): IdentityError {
  return new IdentityError({ error: "invalid_grant", aadsts, message, ...(suberror ? { suberror } : {}) });
}
