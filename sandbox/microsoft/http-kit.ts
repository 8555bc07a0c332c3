import type { IncomingHttpHeaders } from "node:http";

/** A tiny router over node:http: the sandbox needs exact control of status, headers and bodies. */
export interface SandboxRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  rawBody: string;
  params: Record<string, string>;
  requestId: string;
  clientRequestId: string;
}

export interface SandboxReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings as they are, undefined as an empty body. */
  body?: unknown;
}

export function header(req: SandboxRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

interface Route<C> {
  method: string;
  segments: string[];
  handler: (context: C) => Promise<SandboxReply> | SandboxReply;
}

export type RouteMatch<C> =
  | { kind: "found"; handler: Route<C>["handler"]; params: Record<string, string> }
  | { kind: "method-not-allowed" }
  | { kind: "not-found" };

export class Router<C> {
  private readonly routes: Route<C>[] = [];

  add(method: string, pattern: string, handler: Route<C>["handler"]): this {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch<C> {
    const segments = path.split("/").filter(Boolean).map(safeDecode);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { kind: "found", handler: route.handler, params };
      pathMatched = true;
    }
    return pathMatched ? { kind: "method-not-allowed" } : { kind: "not-found" };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = segments[i]!;
    if (expected.startsWith(":")) params[expected.slice(1)] = actual;
    else if (expected.toLowerCase() !== actual.toLowerCase()) return null;
  }
  return params;
}

export function parseJsonBody(req: SandboxRequest): unknown {
  if (!req.rawBody) return {};
  return JSON.parse(req.rawBody);
}
