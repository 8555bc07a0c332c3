import pino, { type Logger } from "pino";
import { serializeError, serializeRequest } from "./log-serializers.ts";

export type { Logger };

/**
 * Paths whose values never reach a log line: API keys, OAuth tokens, passwords and the Authorization header.
 * pino's redaction is path-based, so list the places these travel through (request headers, bodies, errors).
 */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "headers.authorization",
  "authorization",
  "apiKey",
  "token",
  "accessToken",
  "refreshToken",
  "access_token",
  "refresh_token",
  "id_token",
  "password",
  "secret",
  "clientSecret",
  "client_secret",
  "*.apiKey",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.access_token",
  "*.refresh_token",
  "*.password",
  "*.secret",
  "*.clientSecret",
  "*.authorization",
];

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      // Fastify keeps a logger instance's own serializers over its defaults, which would log a request's URL
      // with its tokens and an error with its SQL parameters (see log-serializers.ts).
      serializers: { err: serializeError, error: serializeError, req: serializeRequest },
      base: { service: "calbridge" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
