/**
 * The typed Calbridge client for tenant apps: openapi-fetch over the types openapi-typescript generates from the
 * service's OpenAPI document (`npm run client:generate` rewrites client/openapi.json and client/schema.d.ts).
 * Every path, parameter, body and response is checked by the compiler; nothing is generated at run time.
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema.d.ts";

export type { components, operations, paths } from "./schema.d.ts";

export type CalbridgeClient = Client<paths>;

export interface CalbridgeClientOptions {
  /** Where the service answers, e.g. `https://calbridge.example.com` (no `/v1`: the paths carry it). */
  baseUrl: string;
  /** A tenant API key; without one only the public booking and health endpoints answer. */
  apiKey?: string;
  /** A fetch to send requests with (tests, proxies, retries); the global fetch by default. */
  fetch?: (input: Request) => Promise<Response>;
}

export function createCalbridgeClient(options: CalbridgeClientOptions): CalbridgeClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.apiKey ? { headers: { authorization: `Bearer ${options.apiKey}` } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
