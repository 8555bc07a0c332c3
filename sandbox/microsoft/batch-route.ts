import type { SandboxContext } from "./context.ts";
import { authenticateGraph } from "./graph-auth.ts";
import { GraphError } from "./graph-errors.ts";
import { parseJsonBody, type SandboxReply } from "./http-kit.ts";
import { newGuid } from "./ids.ts";
import { replyForError } from "./reply.ts";

interface BatchStep {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

function invalid(message: string): GraphError {
  return new GraphError({ status: 400, code: "BadRequest", message });
}

function readSteps(raw: unknown): BatchStep[] {
  const requests = (raw as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw invalid("Invalid batch payload format.");
  if (requests.length > 20) throw invalid("The number of batch requests exceeds the limit of 20.");
  const steps = requests as BatchStep[];
  const ids = new Set(steps.map((step) => String(step.id)));
  if (ids.size !== steps.length) throw invalid("Batch request ids must be unique.");
  for (const step of steps) {
    if (!step.id || !step.method || typeof step.url !== "string")
      throw invalid("Each batch request needs id, method and url.");
    if (step.url.startsWith("http") || step.url.startsWith("/v1.0"))
      throw invalid("Batch request urls are relative to the version root.");
  }
  return steps;
}

/**
 * POST /v1.0/$batch (reference 2.14): at most 20 steps; each runs through the normal Graph pipeline, so
 * it is authenticated and throttled on its own (a throttled step is a 429 inside the 200). A step whose
 * dependency failed answers 424.
 */
export async function handleBatch(
  ctx: SandboxContext,
  run: (sub: SandboxContext) => Promise<SandboxReply>,
): Promise<SandboxReply> {
  authenticateGraph(ctx.state, ctx.req);
  const steps = readSteps(parseJsonBody(ctx.req));
  const statuses = new Map<string, number>();
  const responses: Array<Record<string, unknown>> = [];
  for (const step of steps) {
    const failed = (step.dependsOn ?? []).find((id) => (statuses.get(id) ?? 424) >= 400);
    let reply: SandboxReply;
    const requestId = newGuid();
    const headers = Object.fromEntries(
      Object.entries(step.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const request = {
      method: step.method.toUpperCase(),
      url: new URL(`/v1.0${step.url.startsWith("/") ? "" : "/"}${step.url}`, ctx.origin),
      headers: { ...ctx.req.headers, ...headers },
      rawBody: step.body === undefined ? "" : JSON.stringify(step.body),
      params: {},
      requestId,
      clientRequestId: requestId,
    };
    if (failed) {
      reply = replyForError({
        error: new GraphError({
          status: 424,
          code: "FailedDependency",
          message: `Dependency '${failed}' failed.`,
        }),
        request,
        nowMs: ctx.state.now(),
      });
    } else {
      try {
        reply = await run({ ...ctx, req: request });
      } catch (error) {
        reply = replyForError({ error, request, nowMs: ctx.state.now() });
      }
    }
    statuses.set(step.id, reply.status);
    responses.push({
      id: step.id,
      status: reply.status,
      headers: {
        ...(reply.body === undefined ? {} : { "content-type": "application/json" }),
        ...reply.headers,
      },
      ...(reply.body === undefined ? {} : { body: reply.body }),
    });
  }
  return { status: 200, body: { responses } };
}
