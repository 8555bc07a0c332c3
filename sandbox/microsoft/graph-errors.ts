/**
 * Graph error envelope (protocol reference 2.1): `{"error":{"code","message","innerError":{...}}}`.
 * Handlers throw `GraphError`; the server renders it with the request ids of the failing request.
 */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly innerError: Record<string, string>;

  constructor(params: {
    status: number;
    code: string;
    message: string;
    headers?: Record<string, string>;
    innerError?: Record<string, string>;
  }) {
    super(params.message);
    this.status = params.status;
    this.code = params.code;
    this.headers = params.headers ?? {};
    this.innerError = params.innerError ?? {};
  }
}

/** `date` in innerError has no zone designator and no fraction, e.g. "2021-08-23T06:12:16". */
export function innerErrorDate(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19);
}

export function renderGraphError(params: {
  error: GraphError;
  nowMs: number;
  requestId: string;
  clientRequestId: string;
}): { error: { code: string; message: string; innerError: Record<string, string> } } {
  return {
    error: {
      code: params.error.code,
      message: params.error.message,
      innerError: {
        date: innerErrorDate(params.nowMs),
        "request-id": params.requestId,
        "client-request-id": params.clientRequestId,
        ...params.error.innerError,
      },
    },
  };
}

export function itemNotFound(): GraphError {
  return new GraphError({
    status: 404,
    code: "ErrorItemNotFound",
    message: "The specified object was not found in the store.",
  });
}

export function invalidRequest(message: string, code = "ErrorInvalidRequest"): GraphError {
  return new GraphError({ status: 400, code, message });
}

export function accessDenied(): GraphError {
  return new GraphError({
    status: 403,
    code: "ErrorAccessDenied",
    message: "Access is denied. Check credentials and try again.",
  });
}
