import type { PatternedRecurrence } from "./recurrence.ts";

/** In-memory shapes of the sandbox. Graph JSON is produced from these by event-render.ts. */
export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface EmailAddress {
  name: string;
  address: string;
}

export interface GraphAttendee {
  type: "required" | "optional" | "resource";
  status: { response: string; time: string };
  emailAddress: EmailAddress;
  /** The new time the attendee proposed with a tentative answer or a decline (Graph timeSlot). */
  proposedNewTime?: { start: DateTimeTimeZone; end: DateTimeTimeZone };
}

export type GraphLocation = Record<string, unknown>;

export interface EventFields {
  subject: string;
  body: { contentType: "html" | "text"; content: string };
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  isAllDay: boolean;
  showAs: string;
  sensitivity: string;
  importance: string;
  location: GraphLocation;
  locations: GraphLocation[];
  attendees: GraphAttendee[];
  organizer: { emailAddress: EmailAddress };
  isOrganizer: boolean;
  responseStatus: { response: string; time: string };
  isOnlineMeeting: boolean;
  onlineMeetingProvider: string;
  onlineMeeting: Record<string, unknown> | null;
  recurrence: PatternedRecurrence | null;
  categories: string[];
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  isCancelled: boolean;
  responseRequested: boolean;
  allowNewTimeProposals: boolean;
  hideAttendees: boolean;
  isDraft: boolean;
  originalStartTimeZone: string;
  originalEndTimeZone: string;
}

export interface ExtendedProperty {
  id: string;
  value: string;
}

export interface StoredEvent {
  id: string;
  mailboxId: string;
  calendarId: string;
  type: "singleInstance" | "seriesMaster" | "exception";
  seriesMasterId: string | null;
  /** UTC start the instance would have had (exceptions only), as "2030-01-22T09:00:00Z". */
  originalStart: string | null;
  fields: EventFields;
  changeKey: string;
  createdMs: number;
  lastModifiedMs: number;
  iCalUId: string;
  /** Shared by the organizer's item and the attendee copies the sandbox writes into other mailboxes. */
  meetingId: string;
  transactionId: string | null;
  /**
   * singleValueExtendedProperties: `{id: "String {guid} Name x", value}`. Kept on the item itself: attendee copies
   * and exceptions start without them. Returned only when asked for with $expand (reference: extended properties).
   */
  extendedProperties: ExtendedProperty[];
  /** Series masters: original starts (UTC) of deleted or cancelled occurrences. */
  cancelledOccurrences: string[];
}

export interface Mailbox {
  id: string;
  kind: "work" | "personal" | "room";
  tenantId: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  mailboxSettings: Record<string, unknown>;
  /** Rooms: the place resource (reference 2.10) and the booking policy. */
  place: Record<string, unknown> | null;
  roomListEmail: string | null;
  autoAccept: boolean;
}

export interface StoredCalendar {
  id: string;
  mailboxId: string;
  name: string;
  color: string;
  hexColor: string;
  isDefaultCalendar: boolean;
  changeKey: string;
  canEdit: boolean;
}

export interface RoomList {
  id: string;
  tenantId: string;
  emailAddress: string;
  displayName: string;
}

export interface Tenant {
  id: string;
  domain: string;
  displayName: string;
}

export interface RegisteredApp {
  clientId: string;
  clientSecret: string | null;
  displayName: string;
  kind: "web" | "spa" | "native";
  redirectUris: string[];
  /** Scopes that need admin consent and were granted by the tenant admin (e.g. Place.Read.All). */
  adminConsentedScopes: string[];
}
