import { propfind } from "tsdav";
import type { SourceResult } from "../../core/sync/calendar-source.ts";
import { type CalDavClient, trackAnswers } from "./caldav-client.ts";
import { hrefOf } from "./caldav-schemas.ts";

/**
 * Discovery (RFC 6764, RFC 5397, RFC 4791 §6.2.1): `current-user-principal` from the URL given (or its
 * /.well-known/caldav, which servers redirect), then the principal's `calendar-home-set`. Each href is resolved
 * against the URL that answered it: iCloud's well-known redirects to another host and its home set names a
 * per-user partition host (pXX-caldav.icloud.com), which is followed like any other URL (through the guard).
 */
export interface CalDavAccount {
  principalUrl: string;
  homeUrl: string;
}

const notCalDav = {
  ok: false,
  error: {
    kind: "invalid_data",
    message: "this URL is not a CalDAV server (no current-user-principal): check the server URL",
  },
} as const;

function candidatesOf(serverUrl: URL): URL[] {
  const wellKnown = new URL("/.well-known/caldav", serverUrl);
  const atRoot = serverUrl.pathname === "/" || serverUrl.pathname === "";
  return atRoot ? [wellKnown, serverUrl] : [serverUrl, wellKnown];
}

async function propertyHref(
  fetch: typeof globalThis.fetch,
  url: URL,
  property: "current-user-principal" | "calendar-home-set",
): Promise<URL | undefined> {
  const tracked = trackAnswers(fetch);
  const entries = await propfind({
    url: url.href,
    depth: "0",
    props:
      property === "current-user-principal"
        ? { "d:current-user-principal": {} }
        : { "c:calendar-home-set": {} },
    fetch: tracked.fetch,
  });
  if (tracked.last().status !== 207) return undefined;
  const key = property === "current-user-principal" ? "currentUserPrincipal" : "calendarHomeSet";
  for (const entry of entries) {
    const href = hrefOf(entry.props?.[key]);
    if (href) return new URL(href, tracked.last().url || url);
  }
  return undefined;
}

export async function discoverCalDavAccount(params: {
  client: CalDavClient;
  serverUrl: URL;
}): Promise<SourceResult<CalDavAccount>> {
  const found = await params.client.run(async (fetch) => {
    for (const candidate of candidatesOf(params.serverUrl)) {
      const principal = await propertyHref(fetch, candidate, "current-user-principal");
      if (!principal) continue;
      const home = await propertyHref(fetch, principal, "calendar-home-set");
      if (home) return { principalUrl: principal.href, homeUrl: home.href };
    }
    return undefined;
  });
  if (!found.ok) return found;
  return found.value ? { ok: true, value: found.value } : notCalDav;
}
