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

export function renderThrown(params: {
  res: ServerResponse;
  error: unknown;
  kind: "graph" | "admin" | "identity";
  request: SandboxRequest;
  nowMs: number;
}): void {
  const { error, request, res, nowMs } = params;
  if (error instanceof IdentityError) {
    renderReply(res, { status: error.status, body: renderIdentityError({ error, nowMs }) }, request);
    return;
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
  renderReply(res, { status: graphError.status, headers: graphError.headers, body }, request);
}
