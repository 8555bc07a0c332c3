import type { CalendarSource } from "../core/sync/calendar-source.ts";
import type { OutboundGuard } from "../outbound/guarded-fetch.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import type { ConnectionRow } from "../store/connections-repository.ts";
import { createIcsFeedSource } from "./ics/ics-feed-source.ts";

/** What the adapters need from the service's configuration. */
export interface SourceSettings {
  keyRing: KeyRing;
  icsFeeds: { guard: OutboundGuard; maxBytes: number; timeoutMs: number };
}

/**
 * Builds the calendar source for a stored connection: a typed, exhaustive switch over the providers (a new provider
 * that is not handled here fails to compile).
 */
export function createCalendarSource(
  connection: Pick<ConnectionRow, "provider" | "credentials" | "displayName">,
  settings: SourceSettings,
): { ok: true; source: CalendarSource } | { ok: false; message: string } {
  switch (connection.provider) {
    case "ics": {
      if (!connection.credentials) return { ok: false, message: "the feed connection has no URL" };
      const url = settings.keyRing.decrypt(connection.credentials);
      return {
        ok: true,
        source: createIcsFeedSource({ url, displayName: connection.displayName, fetch: settings.icsFeeds }),
      };
    }
    case "microsoft":
    case "google":
    case "caldav":
      return { ok: false, message: `${connection.provider} connections are not available in this version` };
  }
}
