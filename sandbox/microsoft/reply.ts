import type { ServerResponse } from "node:http";
import { GraphError, renderGraphError } from "./graph-errors.ts";
import type { SandboxReply, SandboxRequest } from "./http-kit.ts";
import { IdentityError, renderIdentityError } from "./identity-errors.ts";

/** Graph responses carry request-id and client-request-id headers (reference 2.1). */
export function renderReply(res: ServerResponse, reply: SandboxReply, request: SandboxRequest): void {
  const headers: Record<string, string> = {
    "request-id": request.requestId,
    "client-request-id": request.clientRequestId,
    "x-ms-ags-diagnostic": JSON.stringify({
      ServerInfo: { DataCenter: "Sandbox", Slice: "E", Ring: "5", ScaleUnit: "000", RoleInstance: "SANDBOX" },
    }),
    ...reply.headers,
  };
  let payload = "";
  if (typeof reply.body === "string") {
    payload = reply.body;
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers["content-type"] ??=
      "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Any thrown error as the reply the client sees: identity errors for identity, Graph envelopes otherwise. */
export function replyForError(params: {
  error: unknown;
  request: SandboxRequest;
  nowMs: number;
}): SandboxReply {
  const { error, request, nowMs } = params;
  if (error instanceof IdentityError) {
    return { status: error.status, body: renderIdentityError({ error, nowMs }) };
  }
  const graphError =
    error instanceof GraphError
      ? error
      : error instanceof SyntaxError
        ? new GraphError({
            status: 400,
            code: "BadRequest",
            message:
              "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
          })
        : new GraphError({
            status: 500,
            code: "UnknownError",
            message: error instanceof Error ? error.message : String(error),
          });
  const body = renderGraphError({
    error: graphError,
    nowMs,
    requestId: request.requestId,
    clientRequestId: request.clientRequestId,
  });
  return { status: graphError.status, headers: graphError.headers, body };
}

export function renderThrown(params: {
  res: ServerResponse;
  error: unknown;
  request: SandboxRequest;
  nowMs: number;
}): void {
  renderReply(params.res, replyForError(params), params.request);
}
