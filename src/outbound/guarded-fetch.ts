import { promises as dns, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { type AddressPolicy, createAddressPolicy } from "./address-policy.ts";
import { parseIpAddress } from "./ip-address.ts";
import {
  describeNetworkError,
  FORBIDDEN_TARGET_CODE,
  FORBIDDEN_TARGET_MESSAGE,
  type OutboundFailure,
} from "./network-failure.ts";

/**
 * One HTTP request to a URL a tenant gave, with the SSRF guard: only http and https, an IP-literal host checked by
 * the address policy before anything is sent, and a host name's addresses checked at connect time by a DNS lookup
 * that the socket itself uses, so the address judged is the address connected to (a second, separate lookup could
 * be answered differently: DNS rebinding). Redirects are never followed here: the caller decides, and a followed
 * hop is a new guarded request judged exactly like the first.
 */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export interface OutboundGuard {
  policy: AddressPolicy;
  /** Resolves a host name to every address (tests inject one; the default asks the system resolver). */
  resolveHost: ResolveHost;
}

const systemResolveHost: ResolveHost = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export function createOutboundGuard(params: {
  allow: readonly string[];
  resolveHost?: ResolveHost;
}): OutboundGuard {
  return { policy: createAddressPolicy(params.allow), resolveHost: params.resolveHost ?? systemResolveHost };
}

export interface OutboundRequest {
  url: URL;
  /** Any method: CalDAV needs PROPFIND, REPORT, PUT and DELETE besides GET and POST. */
  method: string;
  headers: Record<string, string>;
  body?: string;
  guard: OutboundGuard;
  /** Epoch ms by which the whole answer must have arrived. */
  deadline: number;
  maxBytes: number;
  /**
   * `fail`: a longer body is an error ("larger than 10 MB": a feed cut short is wrong); `truncate`: keep the
   * start and stop reading (a log excerpt), so a huge or endless answer cannot fill memory.
   */
  overflow: "fail" | "truncate";
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Uint8Array;
}

export type OutboundResult = { ok: true; value: OutboundResponse } | { ok: false; error: OutboundFailure };

const forbidden: OutboundFailure = { kind: "forbidden_target", message: FORBIDDEN_TARGET_MESSAGE };

/** The checks that need no DNS: the scheme, and an IP-literal host (127.1, [::ffff:7f00:1], ...) against the policy. */
export function checkUrlTarget(url: URL, policy: AddressPolicy): OutboundFailure | null {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { kind: "invalid_url", message: "only http and https URLs can be reached" };
  if (policy.allowsHostName(url.hostname)) return null;
  if (parseIpAddress(url.hostname) && !policy.allowsAddress(url.hostname)) return forbidden;
  return null;
}

/**
 * The check at registration, for an early 400: the URL's host judged by what it resolves to now. A name that does
 * not resolve (yet) passes: DNS may be down or the receiver not deployed yet, and every request is checked again.
 */
export async function vetOutboundUrl(url: URL, guard: OutboundGuard): Promise<OutboundFailure | null> {
  const problem = checkUrlTarget(url, guard.policy);
  if (problem) return problem;
  if (guard.policy.allowsHostName(url.hostname) || parseIpAddress(url.hostname)) return null;
  let addresses: LookupAddress[];
  try {
    addresses = await guard.resolveHost(url.hostname);
  } catch {
    return null;
  }
  return addresses.some(({ address }) => guard.policy.allowsAddress(address)) ? null : forbidden;
}

/**
 * A `lookup` for http.request: resolves once, keeps only the addresses the policy allows (a name that resolves to
 * both a public and an internal address is connected to its public one only), and refuses when none is left.
 */
function guardedLookup(guard: OutboundGuard) {
  return (
    hostname: string,
    options: { all?: boolean },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    guard.resolveHost(hostname).then(
      (addresses) => {
        const permitted = addresses.filter(({ address }) => guard.policy.allowsAddress(address));
        const first = permitted[0];
        if (!first) {
          const refused: NodeJS.ErrnoException = new Error(FORBIDDEN_TARGET_MESSAGE);
          refused.code = FORBIDDEN_TARGET_CODE;
          return callback(refused, "", 0);
        }
        if (options.all) return callback(null, permitted);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}

class FailureError extends Error {
  constructor(readonly failure: OutboundFailure) {
    super(failure.message);
  }
}

export function sendGuardedRequest(request: OutboundRequest): Promise<OutboundResult> {
  const { url, guard } = request;
  const problem = checkUrlTarget(url, guard.policy);
  if (problem) return Promise.resolve({ ok: false, error: problem });
  const timeout = new FailureError({ kind: "timeout", message: "the server did not answer in time" });
  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const finish = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (error: unknown) =>
      finish({
        ok: false,
        error: error instanceof FailureError ? error.failure : describeNetworkError(error),
      });
    const client = url.protocol === "https:" ? https : http;
    const outgoing = client.request(url, {
      method: request.method,
      headers: request.headers,
      // An allow-listed name skips the address check; IP literals were checked above and are not looked up.
      ...(guard.policy.allowsHostName(url.hostname) ? {} : { lookup: guardedLookup(guard) as never }),
      // No pooled sockets: a kept-alive connection would skip the lookup, and so the check, for the next request.
      agent: false,
    });
    const timer = setTimeout(() => outgoing.destroy(timeout), Math.max(1, request.deadline - Date.now()));
    outgoing.on("error", fail);
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          ok: true,
          value: {
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: new Uint8Array(Buffer.concat(chunks).subarray(0, request.maxBytes)),
          },
        });
      response.on("data", (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        chunks.push(chunk);
        if (size <= request.maxBytes) return;
        if (request.overflow === "truncate") done();
        else
          fail(
            new FailureError({ kind: "too_large", message: `larger than ${limitText(request.maxBytes)}` }),
          );
        outgoing.destroy();
      });
      response.on("end", done);
      response.on("error", fail);
      // A connection dropped mid-body ends the stream without "end": that is not a complete answer.
      response.on("close", () => {
        if (!response.complete) fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      });
    });
    outgoing.end(request.body);
  });
}

function limitText(bytes: number): string {
  return bytes >= 1_048_576 ? `${Math.round(bytes / 1_048_576)} MB` : `${bytes} bytes`;
}
