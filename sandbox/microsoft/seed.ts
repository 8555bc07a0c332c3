import { readFileSync } from "node:fs";
import { parseEventInput } from "./event-input.ts";
import { createEvent, deleteEvent, updateEvent } from "./event-store.ts";
import { newChangeKey, newGraphId, occurrenceId as occurrenceIdFor } from "./ids.ts";
import { findInstance } from "./instances.ts";
import type { Mailbox, RegisteredApp, RoomList, Tenant } from "./model.ts";
import type { MicrosoftSandboxState } from "./state.ts";
import { epochMsOf, utcOffsetString } from "./time-zones.ts";

/** The seed file shape (see seed.json and docs/sandbox-microsoft.md). Events use Graph's JSON. */
export interface MicrosoftSeed {
  tenants: Tenant[];
  apps: Array<Partial<RegisteredApp> & { clientId: string }>;
  users: SeedMailbox[];
  rooms?: SeedMailbox[];
  roomLists?: RoomList[];
}

export interface SeedMailbox extends Partial<Omit<Mailbox, "id" | "kind" | "tenantId">> {
  id: string;
  kind: Mailbox["kind"];
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  calendars?: SeedCalendar[];
}

export interface SeedCalendar {
  id?: string;
  name: string;
  color?: string;
  hexColor?: string;
  isDefaultCalendar?: boolean;
  events?: SeedEvent[];
}

/** A Graph event body, plus per-occurrence edits for series: `exceptions` and `cancelledOccurrences`. */
export type SeedEvent = Record<string, unknown> & {
  exceptions?: Array<{ occurrenceDate: string; patch: Record<string, unknown> }>;
  cancelledOccurrences?: string[];
};

export function readSeed(seed: MicrosoftSeed | string | undefined): MicrosoftSeed {
  const source = seed ?? new URL("./seed.json", import.meta.url).pathname;
  return typeof source === "string" ? (JSON.parse(readFileSync(source, "utf8")) as MicrosoftSeed) : source;
}

function toMailbox(seed: SeedMailbox): Mailbox {
  return {
    givenName: null,
    surname: null,
    mail: seed.userPrincipalName,
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: "en-US",
    businessPhones: [],
    mailboxSettings: {},
    place: null,
    roomListEmail: null,
    autoAccept: seed.kind === "room",
    ...seed,
  };
}

/** The original start (UTC) of the occurrence of `masterId` on a local date, for exceptions in the seed. */
function occurrenceStart(
  event: { fields: { start: { dateTime: string; timeZone: string } } },
  date: string,
): string {
  const time = event.fields.start.dateTime.slice(10);
  return utcOffsetString(epochMsOf({ dateTime: date + time, timeZone: event.fields.start.timeZone }));
}

export function loadSeed(state: MicrosoftSandboxState, seed: MicrosoftSeed): void {
  state.clear();
  for (const tenant of seed.tenants) state.tenants.set(tenant.id, tenant);
  for (const app of seed.apps) {
    state.apps.set(app.clientId, {
      clientSecret: null,
      displayName: app.clientId,
      kind: "web",
      redirectUris: [],
      adminConsentedScopes: [],
      ...app,
    });
  }
  for (const list of seed.roomLists ?? []) state.roomLists.set(list.id, list);
  const all = [...seed.users, ...(seed.rooms ?? [])];
  for (const entry of all) {
    const { calendars, ...rest } = entry;
    state.mailboxes.set(entry.id, toMailbox(rest as SeedMailbox));
    const list = calendars?.length ? calendars : [{ name: "Calendar", isDefaultCalendar: true }];
    list.forEach((calendar, index) => {
      const id = calendar.id ?? newGraphId("AAMkAGC");
      state.calendars.set(id, {
        id,
        mailboxId: entry.id,
        name: calendar.name,
        color: calendar.color ?? "auto",
        hexColor: calendar.hexColor ?? "",
        isDefaultCalendar: calendar.isDefaultCalendar ?? index === 0,
        changeKey: newChangeKey(),
        canEdit: true,
      });
      calendar.id = id;
    });
  }
  // Events after all mailboxes exist, so meeting copies reach attendees and rooms.
  for (const entry of all) {
    for (const calendar of entry.calendars ?? []) {
      for (const seedEvent of calendar.events ?? []) {
        const { exceptions, cancelledOccurrences, ...body } = seedEvent;
        const mailbox = state.mailboxes.get(entry.id)!;
        const stored = state.calendars.get(calendar.id ?? "")!;
        const { event } = createEvent({ state, mailbox, calendar: stored, input: parseEventInput(body) });
        for (const exception of exceptions ?? []) {
          const instance = findInstance(
            state,
            mailbox.id,
            occurrenceIdFor(event.id, occurrenceStart(event, exception.occurrenceDate)),
          );
          if (instance) updateEvent({ state, mailbox, instance, input: parseEventInput(exception.patch) });
        }
        for (const date of cancelledOccurrences ?? []) {
          const instance = findInstance(
            state,
            mailbox.id,
            occurrenceIdFor(event.id, occurrenceStart(event, date)),
          );
          if (instance) deleteEvent({ state, instance });
        }
      }
    }
  }
}
