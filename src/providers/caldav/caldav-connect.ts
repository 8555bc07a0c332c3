import type { SourceResult } from "../../core/sync/calendar-source.ts";
import type { ProviderHttp } from "../provider-http.ts";
import { createCalDavClient } from "./caldav-client.ts";
import { type CalDavAccount, discoverCalDavAccount } from "./caldav-discovery.ts";
import { calDavPresets } from "./caldav-schemas.ts";

/** What the connections route needs to check a CalDAV account before it is stored. */
export interface CalDavConnector {
  discover(params: {
    serverUrl: URL;
    username: string;
    password: string;
  }): Promise<SourceResult<CalDavAccount>>;
}

export function createCalDavConnector(http: ProviderHttp): CalDavConnector {
  return {
    discover: ({ serverUrl, username, password }) =>
      discoverCalDavAccount({
        client: createCalDavClient({
          http,
          credentials: { username, password },
          account: `connect:${username}`,
          serverUrl: serverUrl.href,
        }),
        serverUrl,
      }),
  };
}

export type CalDavPreset = keyof typeof calDavPresets | "nextcloud" | "custom";

/**
 * The server URL to start discovery from: a preset's, Nextcloud's DAV root under its base URL, or the URL given.
 * Only http and https; the address policy judges the host separately.
 */
export function calDavServerUrl(params: {
  preset: CalDavPreset;
  serverUrl: string | undefined;
}): { ok: true; url: URL } | { ok: false; message: string } {
  if (params.preset === "icloud" || params.preset === "fastmail")
    return { ok: true, url: new URL(calDavPresets[params.preset]) };
  if (!params.serverUrl) return { ok: false, message: `serverUrl: required for ${params.preset}` };
  let url: URL;
  try {
    url = new URL(params.serverUrl);
  } catch {
    return { ok: false, message: "serverUrl: not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, message: "serverUrl: only http and https URLs can be reached" };
  if (url.username || url.password)
    return { ok: false, message: "serverUrl: put the user name and password in their own fields" };
  if (params.preset === "nextcloud" && !url.pathname.includes("/remote.php/dav"))
    url = new URL(`${url.pathname.replace(/\/+$/, "")}/remote.php/dav/`, url);
  return { ok: true, url };
}
