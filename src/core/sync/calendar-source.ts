import type { BusyStatus } from "../availability/request-schema.ts";
import type { RecurrenceSubset } from "../managed-events/recurrence.ts";

/**
 * The provider-neutral calendar source: what the sync engine needs from an .ics feed, Microsoft Graph, Google
 * Calendar or CalDAV. Adapters implement it and never touch the database; they return data, the sync engine stores
 * it (house style). Required members cover reading; writing and push are optional abilities a source declares.
 *
 * Designed for what comes after polling (see shared/sync-failure-modes.md):
 * - `pull` takes an opaque cursor (ETag of a feed, Google syncToken, Graph deltaLink, CalDAV sync-token) and
 *   answers with a full snapshot of the window, a delta, or "unchanged". The engine saves the next cursor in the
 *   same transaction as the data (#5) and treats `sync_cursor_invalid` as "pull a snapshot" (#4).
 * - Failures are values from a small typed set, mapped at the adapter boundary (#9, #10).
 * - `watch`/`unwatch` return channel data with an expiry the engine renews (#1); `createEvent` & co. take an
 *   idempotency key so retried writes can't duplicate (#6).
 */
export type ProviderKind = "ics" | "microsoft" | "google" | "caldav";

export type SyncCursor = string & { readonly __brand: "SyncCursor" };

export type { BusyStatus };

/** One blocking (or explicitly free) piece of time, keyed by the provider's event so it can be explained. */
export interface SourceBusyInterval {
  /** For all-day events, a conservative envelope (the dates +-14 h): the real instants depend on the host's zone. */
  start: Date;
  end: Date;
  /**
   * All-day events as dates (YYYY-MM-DD, end exclusive): turned into time in the host's zone when availability is
   * read, so a host who changes zone needs no resync (sync-failure-modes.md #12).
   */
  allDay?: { startDate: string; endDate: string };
  status: BusyStatus;
  /** The occurrence: provider event id, or iCalendar UID plus recurrence id. A delta replaces rows by it. */
  sourceRef: string;
  /** The series or resource the occurrence belongs to, for removals that name a whole series. */
  seriesRef?: string;
  /** An occurrence's start as its series' rule makes it (Graph originalStart), whatever its times now are. */
  originalStart?: Date;
  /** The provider's version of the event (Graph changeKey, Google etag, CalDAV ETag). */
  etag?: string;
  /** Our booking id, when the event carries our marker: the booking itself blocks, its copy must not. */
  bookingId?: string;
  /** The answers of rooms invited to the event (resource attendees), when the provider shows them. */
  rooms?: Array<{ email: string; response: string }>;
  /**
   * The answers of the people invited (not rooms), when the provider shows them: RSVP tracking. `proposed`: the new
   * time an attendee proposed with their answer (Outlook's proposedNewTime).
   */
  attendees?: Array<{ email: string; response: string; proposed?: { start: Date; end: Date } }>;
  /** What the host's agenda shows of the event: only when the pull asked for details (the import switch). */
  details?: SourceEventDetails;
}

/** How the event shows its owner, in the providers' common words. */
export type EventShowAs = "busy" | "tentative" | "free" | "out_of_office" | "working_elsewhere" | "unknown";

/**
 * An event's details for the agenda (agenda import, issue #18 item 4). Times are the interval's own (instants, or
 * the all-day dates); this adds what the provider item says besides. Absent values are null, never guessed.
 */
export interface SourceEventDetails {
  title: string | null;
  location: string | null;
  /** The event's own zone (IANA when it maps to one, else the provider's label); null for all-day events. */
  timeZone: string | null;
  /** The organizer's address (or name when the provider gives no address). */
  organizer: string | null;
  /** People invited, not counting rooms. */
  attendeeCount: number;
  onlineMeetingUrl: string | null;
  showAs: EventShowAs;
  /** One of ours: a booking's or a managed event's copy (found by our marker). */
  ours: "booking" | "managed_event" | null;
}

export interface SourceCalendar {
  ref: string;
  name: string;
  readOnly: boolean;
  primary: boolean;
  /** Whether the account owns it (shared and subscribed calendars don't block by default). */
  owned?: boolean;
  timeZone?: string;
}

export type SourceError =
  | { kind: "auth_revoked"; message: string }
  | { kind: "rate_limited"; retryAfterMs: number | null; message: string }
  | { kind: "sync_cursor_invalid"; message: string }
  | { kind: "not_found"; message: string }
  | { kind: "conflict"; message: string }
  | { kind: "invalid_data"; message: string }
  | { kind: "forbidden_target"; message: string }
  | { kind: "unavailable"; message: string };

export type SourceResult<T> = { ok: true; value: T } | { ok: false; error: SourceError };

/**
 * One answer of a source. Sources that page (Graph, Google, CalDAV) answer one page per pull: `complete: false`
 * with `nextCursor` set to the page link means "pull again with it". The engine stores each page as it comes, so a
 * large calendar never sits in memory whole and a throttled listing resumes at the page where it stopped.
 */
export type PullResult =
  /** Nothing changed since the cursor (HTTP 304, an empty delta page): keep the cached rows. */
  | { kind: "unchanged"; nextCursor: SyncCursor | null }
  /**
   * (A page of) every interval in the window, answering a pull without a cursor: the engine builds the new set
   * beside the old one and swaps it in when the listing is complete.
   */
  | {
      kind: "snapshot";
      intervals: SourceBusyInterval[];
      nextCursor: SyncCursor | null;
      /**
       * The source could not read all of the window (an .ics feed past its occurrence or recurrence budget): busy
       * time from `incompleteFrom` on is unknown, and availability fails closed there. `truncation` says why.
       */
      truncated?: boolean;
      incompleteFrom?: Date;
      truncation?: string;
      /** A hash of the content the source computed itself (off the event loop); equal hashes write nothing. */
      contentHash?: string;
      complete?: boolean;
    }
  /**
   * (A page of) changes since the cursor: intervals of a changed event replace that event's rows (by `sourceRef`);
   * removed refs drop an occurrence, removed series refs a whole series. A page that continues an unfinished full
   * listing is also answered as a delta; the engine adds it to the set being built.
   */
  | {
      kind: "delta";
      upserts: SourceBusyInterval[];
      removedRefs: string[];
      removedSeriesRefs?: string[];
      nextCursor: SyncCursor | null;
      complete?: boolean;
    };

export interface PullParams {
  calendarRef: string;
  cursor: SyncCursor | null;
  window: { from: Date; to: Date };
  /** The host's zone: all-day and floating events become busy time there. */
  hostTimeZone: string;
  /**
   * Whether the intervals carry `details` (the connection's import switch). With details, free events are kept as
   * "free" intervals too: the agenda lists them, availability never counts them.
   */
  details?: boolean;
}

/** The account behind an OAuth connection, as the provider reports it. */
export interface SourceAccount {
  id: string;
  email: string;
  displayName: string;
  kind: "work" | "personal";
  /** IANA zone of the mailbox, when the provider has one (all-day events are in it). */
  timeZone?: string;
}

/** What names a push channel at the provider (Graph subscription id; Google channel id plus resourceId). */
export interface ChannelRef {
  id: string;
  resourceId?: string;
}

export interface WatchChannel extends ChannelRef {
  /** What the channel watches, as the provider names it (Graph `resource`). */
  resource?: string;
  expiresAt: Date;
  /** Stored hashed by the engine; compared in constant time on each notification. */
  secret: string;
}

/** A channel as the provider lists it (drift repair and orphan sweep, sync-failure-modes.md #1). */
export interface ListedChannel extends ChannelRef {
  resource?: string;
  notificationUrl: string;
  expiresAt: Date | null;
}

export interface WatchParams {
  calendarRef: string;
  notificationUrl: string;
  /** Where the provider sends lifecycle events (Graph `lifecycleNotificationUrl`), when it has them. */
  lifecycleUrl?: string;
  /** Random, chosen by the engine; the provider echoes it on every notification (Graph clientState). */
  secret: string;
  /** The expiry asked for; the provider may answer with an earlier one. */
  expiresAt: Date;
}

/**
 * One notification of a push channel, parsed from the provider's format at the edge: a change, or a lifecycle
 * event (Graph: `missed` -> resync, `subscriptionRemoved` -> recreate, `reauthorizationRequired` -> renew).
 */
export interface ChannelNotification {
  channelId: string;
  /** What the provider echoed back (Graph clientState, Google channel token); checked against the stored hash. */
  secret: string | undefined;
  /** The watched resource as the provider names it (Google X-Goog-Resource-ID): must match the stored channel's. */
  resourceId?: string;
  /** `sync`: the provider's hello after the channel was made (Google); checked, then only acknowledged. */
  kind: "changed" | "missed" | "removed" | "reauthorize" | "sync";
}

export interface NewCalendarEvent {
  /** Our idempotency key for the write: Graph transactionId, Google event id, CalDAV resource name. */
  idempotencyKey: string;
  /** The booking, written as the provider's own marker where it has one (a Graph extended property). */
  bookingId?: string;
  start: Date;
  end: Date;
  /** The host's zone: providers that keep an event zone show it there (times are written as instants). */
  timeZone: string;
  summary: string;
  /** Plain text, for providers that take text. */
  description?: string;
  /** The same as HTML, already escaped, for providers that take HTML (Graph). */
  descriptionHtml?: string;
  location?: string;
  /** Invitees: the provider sends them its invitation (and updates and cancellations). */
  attendees: Array<{ name?: string; email: string }>;
  onlineMeeting?: "teams" | "meet";
  /** The room the booking reserved: invited as a resource and named as the location. */
  room?: { email: string; name?: string };
  /**
   * A series (managed events): the rule in the wall time of `timeZone` from `start`, written in the provider's own
   * form (Graph patternedRecurrence, Google and CalDAV RRULE), with removed and moved occurrences edited one by
   * one (Graph and Google instances, CalDAV EXDATE and RECURRENCE-ID overrides). Writing it again is idempotent.
   */
  recurrence?: EventRecurrence;
  /** How the event shows the host; default busy. A managed event that does not block availability is free. */
  showAs?: "busy" | "free";
}

export interface EventRecurrence {
  rule: RecurrenceSubset;
  /** Original starts of occurrences removed from the series. */
  exdates: Date[];
  /** Occurrences moved: each names its original start (Graph originalStart, RECURRENCE-ID). */
  overrides: Array<{ originalStart: Date; start: Date; end: Date }>;
}

/** What a write left in the provider: the event's version, and the meeting link once the provider made one. */
export interface WrittenEvent {
  eventRef: string;
  /** Graph changeKey, Google etag, CalDAV ETag: the sync engine sees it again on our own echo. */
  version?: string;
  joinUrl?: string;
  /** The provider could not add the online meeting asked for (e.g. Teams on a personal account). */
  onlineMeetingRefused?: boolean;
  /**
   * The provider is still making the online meeting (Google answers a Meet request `pending`): the event exists,
   * and its link is read later with `readMeeting`.
   */
  meetingPending?: boolean;
}

/** The online meeting of an event we wrote, as the provider holds it now. */
export type EventMeeting =
  | { state: "ready"; joinUrl: string; version?: string }
  | { state: "pending" }
  | { state: "refused" };

/** A room (resource mailbox) as the provider lists it (Graph /places, Google resources). */
export interface SourceRoom {
  email: string;
  name: string;
  capacity?: number;
  building?: string;
  floor?: string;
}

/** One room's busy time over a window, or why the provider could not give it (unknown address, no access). */
export type SourceRoomBusy =
  | { email: string; ok: true; intervals: SourceBusyInterval[] }
  | { email: string; ok: false; message: string };

export interface CalendarSource {
  readonly provider: ProviderKind;
  listCalendars(): Promise<SourceResult<SourceCalendar[]>>;
  pull(params: PullParams): Promise<SourceResult<PullResult>>;
  /** Optional: push notifications (Graph subscriptions, Google channels). */
  watch?(params: WatchParams): Promise<SourceResult<WatchChannel>>;
  /** Stops a channel; one the provider no longer knows counts as stopped. */
  unwatch?(params: { channel: ChannelRef }): Promise<SourceResult<void>>;
  /** Optional: extends a channel in place (Graph PATCH). Without it the engine creates a new one, then stops the old. */
  renewChannel?(params: { channel: ChannelRef; expiresAt: Date }): Promise<SourceResult<{ expiresAt: Date }>>;
  /** Optional: the channels the provider holds for this app and account. */
  listChannels?(): Promise<SourceResult<ListedChannel[]>>;
  /**
   * Optional: writes into the host's calendar. `createEvent` is idempotent on `event.idempotencyKey`: a retry after
   * a lost answer returns the event the first attempt made. `cancelEvent` tells the invitees (with the reason)
   * where the provider can; an event already gone counts as cancelled.
   */
  createEvent?(params: { calendarRef: string; event: NewCalendarEvent }): Promise<SourceResult<WrittenEvent>>;
  updateEvent?(params: {
    calendarRef: string;
    eventRef: string;
    event: NewCalendarEvent;
    /** The version we last wrote (CalDAV If-Match): a provider that checks it refuses with `conflict`. */
    version?: string;
  }): Promise<SourceResult<WrittenEvent>>;
  /** Optional: rooms of the account's organisation, all or one room list's (by the list's address). */
  listRooms?(params: { roomList?: string }): Promise<SourceResult<SourceRoom[]>>;
  listRoomLists?(): Promise<SourceResult<Array<{ email: string; name: string }>>>;
  /** Optional: busy time of rooms (Graph getSchedule, Google freeBusy); per-room failures are values. */
  readRoomBusy?(params: {
    emails: string[];
    window: { from: Date; to: Date };
  }): Promise<SourceResult<SourceRoomBusy[]>>;
  cancelEvent?(params: {
    calendarRef: string;
    eventRef: string;
    reason?: string;
    /** Whether the provider tells the invitees (Google sendUpdates); true unless the tenant mails them itself. */
    notify?: boolean;
  }): Promise<SourceResult<void>>;
  /** Optional: the online meeting of an event we wrote, for providers that make it after the write answered. */
  readMeeting?(params: { calendarRef: string; eventRef: string }): Promise<SourceResult<EventMeeting>>;
  /**
   * Optional: one event we wrote, as the host's calendar holds it now, or null when it is gone (deleted, or
   * cancelled). Two-way sync asks for events no sync has shown since they were written: a delta never names an
   * event made and deleted between two of its rounds.
   */
  readEvent?(params: {
    calendarRef: string;
    eventRef: string;
  }): Promise<SourceResult<SourceBusyInterval | null>>;
}
