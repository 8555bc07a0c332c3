/** The slice of the Calendar v3 Event resource the sandbox stores and serves (provider-protocols.md 4.3). */

export interface EventDateTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export type ResponseStatus = "needsAction" | "declined" | "tentative" | "accepted";

export interface EventAttendee {
  email: string;
  displayName?: string;
  organizer?: boolean;
  self?: boolean;
  resource?: boolean;
  optional?: boolean;
  responseStatus?: ResponseStatus;
  comment?: string;
  additionalGuests?: number;
  id?: string;
}

export interface EventPerson {
  id?: string;
  email?: string;
  displayName?: string;
  self?: boolean;
}

export interface GoogleEvent {
  [field: string]: unknown;
  id: string;
  kind?: "calendar#event";
  etag?: string;
  status?: "confirmed" | "tentative" | "cancelled";
  summary?: string;
  description?: string;
  location?: string;
  created?: string;
  updated?: string;
  creator?: EventPerson;
  organizer?: EventPerson;
  start?: EventDateTime;
  end?: EventDateTime;
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: EventDateTime;
  iCalUID?: string;
  sequence?: number;
  transparency?: "opaque" | "transparent";
  visibility?: string;
  attendees?: EventAttendee[];
  attendeesOmitted?: boolean;
  hangoutLink?: string;
  conferenceData?: ConferenceData;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  eventType?: string;
}

export interface ConferenceData {
  createRequest?: {
    requestId?: string;
    conferenceSolutionKey?: { type?: string };
    status?: { statusCode: "pending" | "success" | "failure" };
  };
  conferenceId?: string;
  conferenceSolution?: { key: { type: string }; name: string; iconUri: string };
  entryPoints?: Array<Record<string, string>>;
  notes?: string;
}

/** An event as held in a calendar, with the change counter that sync tokens compare against. */
export interface StoredEvent {
  event: GoogleEvent;
  /** Value of the state's change counter at the last write; a sync token holds the counter it has seen. */
  changeSeq: number;
}
