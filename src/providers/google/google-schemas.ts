import { z } from "zod";

/**
 * The parts of Google Calendar v3 and Google OAuth answers this adapter reads (provider-protocols.md Parts 3 and 4).
 * Raw payloads are `unknown` until parsed here; unknown fields are ignored and optional ones may be missing, since
 * Google omits empty fields (and a cancelled item guarantees only its `id`).
 */
const eventDateTime = z.object({
  date: z.string().nullish(),
  dateTime: z.string().nullish(),
  timeZone: z.string().nullish(),
});

export const googleEventSchema = z.object({
  id: z.string().min(1),
  etag: z.string().nullish(),
  status: z.string().nullish(),
  start: eventDateTime.nullish(),
  end: eventDateTime.nullish(),
  transparency: z.string().nullish(),
  eventType: z.string().nullish(),
  recurringEventId: z.string().nullish(),
  attendees: z
    .array(
      z.object({
        email: z.string().nullish(),
        self: z.boolean().nullish(),
        resource: z.boolean().nullish(),
        organizer: z.boolean().nullish(),
        responseStatus: z.string().nullish(),
      }),
    )
    .nullish(),
  // Read only for the agenda's details (the import switch); events.list returns them (no `fields` is sent).
  summary: z.string().nullish(),
  location: z.string().nullish(),
  visibility: z.string().nullish(),
  organizer: z.object({ email: z.string().nullish(), displayName: z.string().nullish() }).nullish(),
  extendedProperties: z.object({ private: z.record(z.string(), z.string()).nullish() }).nullish(),
  hangoutLink: z.string().nullish(),
  conferenceData: z
    .object({
      createRequest: z.object({ status: z.object({ statusCode: z.string() }).nullish() }).nullish(),
      entryPoints: z.array(z.object({ entryPointType: z.string(), uri: z.string() })).nullish(),
    })
    .nullish(),
});
export type GoogleEvent = z.infer<typeof googleEventSchema>;

/** freebusy.query (4.5): per-calendar failures come as `errors` inside the 200. */
export const googleFreeBusySchema = z.object({
  calendars: z.record(
    z.string(),
    z.object({
      busy: z.array(z.object({ start: z.string(), end: z.string() })).nullish(),
      errors: z.array(z.object({ reason: z.string().nullish() })).nullish(),
    }),
  ),
});

/** A page of events.list: `nextSyncToken` only on the last page, never with `nextPageToken` (Part 6 #8). */
export const googleEventsPageSchema = z.object({
  items: z.array(z.unknown()).default([]),
  timeZone: z.string().nullish(),
  nextPageToken: z.string().nullish(),
  nextSyncToken: z.string().nullish(),
});

export const googleCalendarListPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string().min(1),
      summary: z.string().nullish(),
      summaryOverride: z.string().nullish(),
      timeZone: z.string().nullish(),
      accessRole: z.string().nullish(),
      primary: z.boolean().nullish(),
      deleted: z.boolean().nullish(),
    }),
  ),
  nextPageToken: z.string().nullish(),
});

/** events.watch answers `expiration` as a string of milliseconds (int64 rule), the docs show a number. */
export const googleChannelSchema = z.object({
  id: z.string().min(1),
  resourceId: z.string().min(1),
  expiration: z.union([z.string(), z.number()]).nullish(),
});

export const googleErrorSchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional(), domain: z.string().optional() })).optional(),
  }),
});

export const googleTokenErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

/** The ID token claims the account is read from (`openid email`); `hd` only for Workspace accounts. */
export const googleIdClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  name: z.string().optional(),
  hd: z.string().optional(),
});
