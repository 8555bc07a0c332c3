import { z } from "zod";

/**
 * The parts of Microsoft Graph and Entra ID answers this adapter reads (provider-protocols.md Part 1 and 2). Raw
 * payloads are `unknown` until parsed here; unknown fields are ignored, missing optional ones are tolerated, since
 * Graph adds fields and omits empty ones.
 */
const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string().optional() });

export const graphEventSchema = z.object({
  id: z.string(),
  "@removed": z.object({ reason: z.string().optional() }).optional(),
  "@odata.etag": z.string().optional(),
  changeKey: z.string().nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
  isAllDay: z.boolean().nullish(),
  isCancelled: z.boolean().nullish(),
  showAs: z.string().nullish(),
  type: z.string().nullish(),
  seriesMasterId: z.string().nullish(),
  originalStart: z.string().nullish(),
  transactionId: z.string().nullish(),
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: z.string().nullish() })).nullish(),
  attendees: z
    .array(
      z.object({
        type: z.string().nullish(),
        status: z.object({ response: z.string().nullish() }).nullish(),
        emailAddress: z.object({ address: z.string().nullish() }).nullish(),
        // A counter-proposal with a tentative answer or a decline (timeSlot).
        proposedNewTime: z.object({ start: dateTimeTimeZone, end: dateTimeTimeZone }).nullish(),
      }),
    )
    .nullish(),
  // Read only for the agenda's details (the import switch); calendarView delta returns them without $select.
  subject: z.string().nullish(),
  sensitivity: z.string().nullish(),
  originalStartTimeZone: z.string().nullish(),
  location: z.object({ displayName: z.string().nullish() }).nullish(),
  organizer: z
    .object({
      emailAddress: z.object({ name: z.string().nullish(), address: z.string().nullish() }).nullish(),
    })
    .nullish(),
  onlineMeeting: z.object({ joinUrl: z.string().nullish() }).nullish(),
  onlineMeetingUrl: z.string().nullish(),
});
export type GraphEvent = z.infer<typeof graphEventSchema>;

/** A page of calendarView/delta: items plus exactly one of nextLink (more pages) or deltaLink (round complete). */
export const graphDeltaPageSchema = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().optional(),
  "@odata.deltaLink": z.string().optional(),
});

export const graphCalendarSchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  isDefaultCalendar: z.boolean().nullish(),
  canEdit: z.boolean().nullish(),
  owner: z.object({ name: z.string().nullish(), address: z.string().nullish() }).nullish(),
});

export const graphCalendarPageSchema = z.object({
  value: z.array(graphCalendarSchema),
  "@odata.nextLink": z.string().optional(),
});

export const graphUserSchema = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});

export const graphMailboxTimeZoneSchema = z.object({ value: z.string() });

export const graphErrorSchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
});

/** The token endpoint's error body: branch on `error` plus the AADSTS code, never on the text. */
export const entraTokenErrorSchema = z.object({
  error: z.string(),
  error_codes: z.array(z.number()).optional(),
  suberror: z.string().optional(),
});

/** `client_info` (sent when the request asks `client_info=1`): base64url JSON naming the home tenant. */
export const entraClientInfoSchema = z.object({ uid: z.string(), utid: z.string() });

/** The answer to an event create, update or read: what write-back keeps. */
export const graphWrittenEventSchema = z.object({
  id: z.string(),
  changeKey: z.string().nullish(),
  isOnlineMeeting: z.boolean().nullish(),
  onlineMeeting: z.object({ joinUrl: z.string().nullish() }).nullish(),
});

/** A room of `/places/microsoft.graph.room` (provider-protocols 2.10): only what the rooms API shows. */
export const graphRoomSchema = z.object({
  emailAddress: z.string().nullish(),
  displayName: z.string().nullish(),
  capacity: z.number().nullish(),
  building: z.string().nullish(),
  floorNumber: z.number().nullish(),
});

export const graphPlacesPageSchema = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().optional(),
});

/** getSchedule's answer (2.8): per-schedule errors stay inside the 200. */
export const graphSchedulesSchema = z.object({
  value: z.array(
    z.object({
      scheduleId: z.string(),
      scheduleItems: z
        .array(z.object({ status: z.string().nullish(), start: dateTimeTimeZone, end: dateTimeTimeZone }))
        .nullish(),
      error: z.object({ message: z.string().nullish(), responseCode: z.string().nullish() }).nullish(),
    }),
  ),
});
