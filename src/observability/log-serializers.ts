import { redactRequestUrl } from "./redact-url.ts";

/**
 * What errors and requests may put in a log line. Both are allow-lists: a field not named here never reaches a log,
 * so a driver that adds one more property (pg and PGlite errors carry `detail`, `where`, `query`, `params`,
 * Drizzle's `DrizzleQueryError` puts the parameters in its message) cannot leak an attendee's name or e-mail.
 */

export interface LoggedError {
  type: string;
  /** SQLSTATE for database errors, Node's or Fastify's code otherwise. */
  code?: string;
  statusCode?: number;
  /** Database errors: PostgreSQL's severity, routine and the names (never the values) of what refused the row. */
  severity?: string;
  routine?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
  dataType?: string;
  /** Withheld for database and query errors, which quote values (`invalid input syntax for type uuid: "..."`). */
  message?: string;
  /** The frames only: the first line repeats the message. */
  stack?: string;
  cause?: LoggedError;
}

const MAX_CAUSE_DEPTH = 5;
const identifierFields = [
  "severity",
  "routine",
  "schema",
  "table",
  "column",
  "constraint",
  "dataType",
] as const;

function stringField(value: unknown, key: string): string | undefined {
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" && field.length <= 200 ? field : undefined;
}

/** pg's and PGlite's DatabaseError (a server error response), or an error that carries the query it ran. */
function holdsQueryData(error: object): boolean {
  const fields = error as Record<string, unknown>;
  const serverError = typeof fields.severity === "string" && typeof fields.code === "string";
  return serverError || "query" in fields || "params" in fields || "parameters" in fields;
}

/** E-mail addresses and URL user info are personal data or credentials wherever a message quotes them. */
function scrubMessage(message: string): string {
  return message
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1[redacted]@")
    .replace(/[^\s@<>"'(),;:[\]]+@[^\s@<>"'(),;:[\]]+\.[a-z]{2,}/gi, "[email]");
}

export function serializeError(error: unknown, depth = 0): LoggedError {
  if (typeof error !== "object" || error === null) return { type: typeof error };
  const logged: LoggedError = { type: error.constructor?.name ?? "Object" };
  const code = stringField(error, "code");
  if (code) logged.code = code;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number") logged.statusCode = statusCode;
  for (const key of identifierFields) {
    const value = stringField(error, key);
    if (value) logged[key] = value;
  }
  if (error instanceof Error) {
    if (!holdsQueryData(error)) logged.message = scrubMessage(error.message);
    const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    if (frames.length > 0) logged.stack = frames.join("\n");
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) logged.cause = serializeError(cause, depth + 1);
  return logged;
}

/** The request as Fastify hands it to the `req` serializer (its own Request object). */
interface LoggableRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
  params?: unknown;
}

/** Route params whose values are secrets wherever a route names them so (`:token`, `:secret`, `:signature`). */
const secretParamName = /token|secret|signature/i;

function secretParamValues(params: unknown): string[] {
  if (typeof params !== "object" || params === null) return [];
  return Object.entries(params)
    .filter(([name, value]) => secretParamName.test(name) && typeof value === "string" && value !== "")
    .map(([, value]) => value as string);
}

/** Fastify's request fields minus secrets in the URL (see redact-url.ts); headers and bodies are never logged. */
export function serializeRequest(request: LoggableRequest): Record<string, unknown> {
  return {
    method: request.method,
    url:
      request.url === undefined
        ? undefined
        : redactRequestUrl(request.url, secretParamValues(request.params)),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
