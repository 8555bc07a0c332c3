import type { AccessTokenSource } from "../access-token-source.ts";
import { type BearerJsonClient, createBearerJsonClient } from "../bearer-json-client.ts";
import type { ProviderHttp } from "../provider-http.ts";
import { mapGraphFailure } from "./graph-errors.ts";

/**
 * The Graph client: the shared bearer JSON client on the Graph root, with Graph's failures mapped. Links that Graph
 * hands out (nextLink, deltaLink) are followed verbatim, on Graph's own origin only.
 */
export type GraphClient = BearerJsonClient;

export function createGraphClient(options: {
  graphUrl: string;
  http: ProviderHttp;
  /** Concurrency key: the mailbox (Graph limits concurrent requests per app and mailbox). */
  account: string;
  tokens: AccessTokenSource;
}): GraphClient {
  return createBearerJsonClient({
    name: "Microsoft Graph",
    rootUrl: options.graphUrl,
    http: options.http,
    account: options.account,
    tokens: options.tokens,
    mapFailure: mapGraphFailure,
  });
}
