import pino, { type Logger } from "pino";

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
      base: { service: "calbridge" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
