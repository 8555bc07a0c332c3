import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { BookingPageSettings } from "../core/bookings/booking-page-settings.ts";

/** A PostgreSQL tstzrange, written and read as its text form `[start,end)`. */
const tstzrange = customType<{ data: string }>({ dataType: () => "tstzrange" });

// Every table below (except tenants itself) carries tenant_id and every repository query filters on it:
// tenant isolation is a property of the data model, not of the routes.

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  // Where the OAuth connect flow may send the browser back to (URL prefixes): no open redirect.
  connectReturnUrls: jsonb("connect_return_urls").$type<string[]>().notNull().default([]),
  // Who invites the attendee when the booking is written into a host's calendar with the attendee on it:
  // "provider" (Outlook/Google send their invitation; Calbridge does not mail that attendee as well) or
  // "calbridge" (the event is written without attendees and Calbridge's own mail invites). See docs/write-back.md.
  attendeeInvitations: text("attendee_invitations").notNull().default("provider"),
  // What a host erasure does with the host's bookings the tenant keeps: "anonymise" (default) or "delete".
  erasure: text("erasure").notNull().default("anonymise"),
  // What a host's move or deletion of a managed event in their calendar does (migration 0015): accept, notify, restore.
  calendarChangePolicy: text("calendar_change_policy").notNull().default("notify"),
  // The public booking page's brand colour, logo and the origins that may frame it (see booking-page-settings.ts).
  bookingPage: jsonb("booking_page").$type<BookingPageSettings>().notNull().default({}),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // The public, non-secret part of the key (shown in listings, used to find the row).
    prefix: text("prefix").notNull().unique(),
    // SHA-256 of the whole key: keys are 256-bit random, so a fast hash is enough (no password stretching needed).
    keyHash: text("key_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [index("api_keys_tenant_idx").on(table.tenantId)],
);

export const hosts = pgTable(
  "hosts",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    // The embedding app's own id for this person, so it can find the host without storing ours.
    externalId: text("external_id"),
    name: text("name").notNull(),
    email: text("email"),
    timeZone: text("time_zone").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("hosts_tenant_idx").on(table.tenantId),
    uniqueIndex("hosts_tenant_external_idx")
      .on(table.tenantId, table.externalId)
      .where(sql`${table.externalId} is not null`),
  ],
);

export const schedules = pgTable(
  "schedules",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    timeZone: text("time_zone").notNull(),
    // Validated by the core's schedule rules before every write; see src/core/schedules.
    weekly: jsonb("weekly").notNull(),
    overrides: jsonb("overrides").notNull(),
    outOfOffice: jsonb("out_of_office").notNull(),
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index("schedules_tenant_host_idx").on(table.tenantId, table.hostId)],
);

/** Progress of a connection's sync run, written as its calendars and pages complete. */
export interface SyncProgress {
  state: "queued" | "running" | "finished" | "failed";
  calendarsDone: number;
  calendarsTotal: number;
  eventsSeen: number;
  startedAt: string;
  finishedAt: string | null;
}

export const calendarConnections = pgTable(
  "calendar_connections",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    displayName: text("display_name").notNull(),
    // pending, connected, needs_reauth, error, blocked (a feed refused by the address policy), disconnected.
    status: text("status").notNull().default("connected"),
    // Envelope from src/secrets (AES-256-GCM, key id inside): OAuth tokens, CalDAV passwords, private feed URLs.
    credentials: text("credentials"),
    settings: jsonb("settings").notNull().default({}),
    // The provider account behind an OAuth connection: reconnecting it finds this row again.
    accountId: text("account_id"),
    accountEmail: text("account_email"),
    // work (work or school account) or personal
    accountKind: text("account_kind"),
    // When the stored access token expires, and a lease that lets one worker of all processes refresh it.
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true }),
    refreshLeaseUntil: timestamp("refresh_lease_until", { withTimezone: true }),
    lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    // Per-connection switches (migration 0015): its calendars block availability; their events' details are
    // imported for the agenda; our events (bookings, managed events) are written to its destination calendar.
    busyEnabled: boolean("busy_enabled").notNull().default(true),
    importEnabled: boolean("import_enabled").notNull().default(false),
    exportEnabled: boolean("export_enabled").notNull().default(true),
    // Progress of the latest sync (migration 0017): "sync now" answers it, GET on the connection reports it.
    syncProgress: jsonb("sync_progress").$type<SyncProgress>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("calendar_connections_tenant_host_idx").on(table.tenantId, table.hostId),
    uniqueIndex("calendar_connections_account_idx")
      .on(table.tenantId, table.hostId, table.provider, table.accountId)
      .where(sql`${table.accountId} is not null`),
  ],
);

/**
 * One connect attempt of the OAuth flow: the `state` sent to the provider is stored hashed, is single-use, is bound
 * to tenant, host and connection, and expires (10 minutes). The PKCE verifier is kept encrypted until the callback.
 */
export const oauthStates = pgTable(
  "oauth_states",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    stateHash: text("state_hash").notNull().unique(),
    codeVerifier: text("code_verifier").notNull(),
    returnUrl: text("return_url").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    consumedAt: timestamp("consumed_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index("oauth_states_connection_idx").on(table.connectionId)],
);

export const eventTypes = pgTable(
  "event_types",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    // Allowed durations in minutes; the first is the default.
    durations: jsonb("durations").notNull(),
    location: jsonb("location"),
    mode: text("mode").notNull(),
    // The engine's rules (step, buffers, notice, horizon, limits, alignment, blocking statuses), validated by the core.
    rules: jsonb("rules").notNull(),
    questions: jsonb("questions").notNull(),
    requiresConfirmation: boolean("requires_confirmation").notNull().default(false),
    // Rooms the booking needs one of (null: none), validated at the edge (src/core/bookings/event-type-rooms.ts).
    rooms: jsonb("rooms"),
    // Seats per slot (null: one-to-one) and whether attendees see each other (migration 0016).
    seats: integer("seats"),
    seatsShowAttendees: boolean("seats_show_attendees").notNull().default(false),
    // Round-robin weights and priorities per host (null: least recently booked), validated by the core.
    roundRobin: jsonb("round_robin"),
    cancelOnDecline: boolean("cancel_on_decline").notNull().default(false),
    // Reminder offsets before start and whether hosts get them too (migration 0018; src/core/reminders).
    reminders: jsonb("reminders")
      .notNull()
      .default(sql`'{"offsetsMinutes":[1440,60],"notifyHost":false}'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("event_types_tenant_slug_idx").on(table.tenantId, table.slug)],
);

export const eventTypeHosts = pgTable(
  "event_type_hosts",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    eventTypeId: uuid("event_type_id")
      .notNull()
      .references(() => eventTypes.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    position: integer("position").notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.eventTypeId, table.hostId] }),
    index("event_type_hosts_host_idx").on(table.hostId),
  ],
);

export const bookings = pgTable(
  "bookings",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    eventTypeId: uuid("event_type_id")
      .notNull()
      .references(() => eventTypes.id, { onDelete: "restrict" }),
    // pending (awaiting the host's confirmation), confirmed, cancelled, rejected.
    status: text("status").notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
    bufferBeforeMinutes: integer("buffer_before_minutes").notNull().default(0),
    bufferAfterMinutes: integer("buffer_after_minutes").notNull().default(0),
    inviteeTimeZone: text("invitee_time_zone").notNull(),
    attendeeName: text("attendee_name").notNull(),
    attendeeEmail: text("attendee_email").notNull(),
    answers: jsonb("answers").notNull(),
    location: jsonb("location"),
    // iCalendar identity: the UID never changes, SEQUENCE grows with every change (RFC 5546 section 2.1.4).
    icalUid: text("ical_uid").notNull().unique(),
    sequence: integer("sequence").notNull().default(0),
    cancelReason: text("cancel_reason"),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    // The session a seat belongs to (event types with seats; migration 0016).
    sessionId: uuid("session_id"),
    // The attendee's answer to the invitation as the host's calendar shows it (null: not seen yet).
    attendeeResponse: text("attendee_response"),
    // The attendee's language for mail (en, de, fr; null: en), migration 0018.
    attendeeLocale: text("attendee_locale"),
    // The new time the attendee proposed with their answer (Outlook's proposedNewTime; migration 0021).
    attendeeProposedStart: timestamp("attendee_proposed_start", { withTimezone: true }),
    attendeeProposedEnd: timestamp("attendee_proposed_end", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("bookings_tenant_start_idx").on(table.tenantId, table.startAt),
    uniqueIndex("bookings_tenant_idempotency_idx")
      .on(table.tenantId, table.idempotencyKey)
      .where(sql`${table.idempotencyKey} is not null`),
  ],
);

/**
 * One row per (booking, host) holding the host's time, buffers included. An exclusion constraint (migration
 * 0003) over (host_id, blocked) for active rows makes the database refuse any overlap: no double booking even when
 * two requests pass the availability check at the same moment.
 */
export const bookingHosts = pgTable(
  "booking_hosts",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    blocked: tstzrange("blocked").notNull(),
    active: boolean("active").notNull().default(true),
    // Seats of one session may share the time (the constraint compares coalesce(session_id, booking_id)).
    sessionId: uuid("session_id"),
  },
  (table) => [
    primaryKey({ columns: [table.bookingId, table.hostId] }),
    index("booking_hosts_host_idx").on(table.hostId),
  ],
);

/**
 * The busy cache: busy time per host and calendar, written by the calendar integrations through
 * src/store/busy-cache.ts (replace a window atomically), read by availability.
 */
export const busyIntervals = pgTable(
  "busy_intervals",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    calendarRef: text("calendar_ref").notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
    // busy, tentative, free, out_of_office: which ones block is the event type's choice.
    status: text("status").notNull(),
    // Provider event id (or UID + recurrence id) so explain() can say what blocks a time, and so a delta can
    // replace or remove one event's rows.
    sourceRef: text("source_ref").notNull(),
    // The series (Graph seriesMasterId, Google recurringEventId, CalDAV resource) a removal of the whole may name.
    seriesRef: text("series_ref"),
    etag: text("etag"),
    // All-day events keep their dates (end exclusive) and become time in the host's zone when availability is
    // read, so a host changing zone needs no resync (sync-failure-modes.md #12). start/end then hold an envelope
    // wide enough for any zone, used only to find the row.
    allDayStart: date("all_day_start"),
    allDayEnd: date("all_day_end"),
    // Our own booking's copy in the host's calendar (found by our marker): the booking blocks, its copy must not.
    bookingId: uuid("booking_id"),
    // Set on a room's busy time (calendar_ref "room:<email>"): the room's address. Such rows are never the host's
    // own time; availability reads them only for event types that name the room (migration 0008).
    resource: text("resource"),
    // Rows of a full listing still being built: invisible to availability until the listing completes and the
    // sync engine swaps them in, in one transaction with the cursor (sync-failure-modes.md #4).
    staged: boolean("staged").notNull().default(false),
    // The calendar's listing the row belongs to (migration 0019): only the generation named by the calendar's
    // sync state (busy_generation) is served; a new listing is written under a new one and swapped in by one update.
    // Since 0019 the sync engine stages by generation and `staged` stays false.
    generation: integer("generation").notNull().default(0),
  },
  (table) => [
    index("busy_intervals_host_time_idx").on(table.hostId, table.startAt),
    index("busy_intervals_generation_idx").on(table.connectionId, table.calendarRef, table.generation),
    index("busy_intervals_connection_idx").on(table.connectionId, table.calendarRef, table.startAt),
    index("busy_intervals_source_idx").on(table.connectionId, table.calendarRef, table.sourceRef),
  ],
);

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description"),
    // Event types this endpoint receives; empty means all.
    eventTypes: jsonb("event_types").notNull(),
    // whsec_ secret, encrypted with the key ring (listed in rotate-secrets.ts).
    secret: text("secret").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    disabledReason: text("disabled_reason"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index("webhook_endpoints_tenant_idx").on(table.tenantId)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    // The Standard Webhooks message id: the same on every retry so receivers can deduplicate.
    messageId: text("message_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    // pending, succeeded, failed (gave up), endpoint_disabled
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastResponseBody: text("last_response_body"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index("webhook_deliveries_endpoint_idx").on(table.endpointId, table.createdAt)],
);

/**
 * Secret per-host export feeds (webcal/https .ics of the host's bookings). Only the token's SHA-256 is stored; the
 * URL carries the token itself. Revoking sets revoked_at; rotating revokes and issues a new row.
 */
export const hostFeeds = pgTable(
  "host_feeds",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    // Also publish the host's other busy time (from connected calendars) as anonymous "Busy" blocks.
    includeBusy: boolean("include_busy").notNull().default(false),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [index("host_feeds_host_idx").on(table.tenantId, table.hostId)],
);

/**
 * Sync state of one calendar of a connection: the provider-neutral cursor (sync token, delta link, ETag of a
 * feed), push-channel data, health and the dirty counter that closes the change-during-pull race
 * (sync-failure-modes.md #3, #5, #15). Written only by the sync engine, in the same transaction as the busy rows.
 */
/** A problem of a sync that did not fail: shown on the connection until a sync without it. */
export interface SyncWarning {
  code: "expansion_truncated";
  message: string;
  /** When the sync that found it ran (ISO 8601). */
  at: string;
  /** From here on (ISO 8601) the calendar's busy time is unknown and the host is not offered. */
  unavailableFrom?: string;
}

export const calendarSyncStates = pgTable(
  "calendar_sync_states",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    calendarRef: text("calendar_ref").notNull(),
    cursor: text("cursor"),
    dirty: integer("dirty").notNull().default(0),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true }),
    lastError: text("last_error"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    channel: jsonb("channel"),
    // What the provider says about the calendar, and the host's choices for it.
    name: text("name"),
    isPrimary: boolean("is_primary").notNull().default(false),
    readOnly: boolean("read_only").notNull().default(false),
    // Whether its events take time out of the host's availability (default: calendars the account owns).
    blocking: boolean("blocking").notNull().default(true),
    // Whether new events (bookings) are written into it (default: the primary calendar).
    receivesEvents: boolean("receives_events").notNull().default(false),
    // Set when the provider no longer lists the calendar; its busy rows are gone.
    removedAt: timestamp("removed_at", { withTimezone: true }),
    // Page link of a full listing in progress: a throttled or interrupted listing resumes from here.
    stagingCursor: text("staging_cursor"),
    // One writer per calendar across every process: a run holds the lease and renews it per page (#5).
    leaseOwner: text("lease_owner"),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    // Hash of the last full listing of sources without a cursor (.ics without ETag): same hash, nothing written.
    contentHash: text("content_hash"),
    // What the last full listing could not read (e.g. an .ics feed cut at its budget); empty when complete.
    warnings: jsonb("warnings").$type<SyncWarning[]>().notNull().default([]),
    // From here on the calendar's busy time is unknown (the cut of a truncated listing): availability fails closed.
    incompleteFrom: timestamp("incomplete_from", { withTimezone: true }),
    // The end of the window the last complete listing read (0022): past it the calendar was never listed (a horizon
    // lengthened since), so availability fails closed there until a sync covers it. Null before the first listing.
    syncedUntil: timestamp("synced_until", { withTimezone: true }),
    updatedAt: updatedAt(),
    // The generation of busy rows availability serves, and the one a full listing in progress writes (0019).
    busyGeneration: integer("busy_generation").notNull().default(0),
    stagingGeneration: integer("staging_generation"),
  },
  (table) => [
    primaryKey({ columns: [table.connectionId, table.calendarRef] }),
    // Notifications find their calendar by channel id (migration 0013).
    index("calendar_sync_states_channel_id_idx").on(sql`(${table.channel}->>'id')`),
  ],
);

/**
 * Write-back: one row per (booking, connection) whose destination calendar receives the booking's event. The intent
 * is written in the booking's transaction (state `pending`) before any provider call, so a crash can neither lose
 * nor duplicate a write: the job retries with the same idempotency key. `operation` is the last change asked for;
 * `content_hash` and `change_key` are what we last wrote, so the sync engine can tell our own echo from a change the
 * host made in their calendar.
 */
export const bookingCalendarEvents = pgTable(
  "booking_calendar_events",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    calendarRef: text("calendar_ref").notNull(),
    // create, update, cancel
    operation: text("operation").notNull(),
    // pending, written, failed
    state: text("state").notNull(),
    providerEventRef: text("provider_event_ref"),
    changeKey: text("change_key"),
    contentHash: text("content_hash"),
    // Whether the written event carries the attendee (the provider then sends the invitation, not us).
    invitesAttendee: boolean("invites_attendee").notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    // Something the host should know that did not fail the booking (no Teams on a personal account, a move in
    // the calendar that collided with another booking).
    warning: text("warning"),
    // The event is written but the provider is still making its online meeting (Google Meet `pending`, 0021).
    meetingPending: boolean("meeting_pending").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    primaryKey({ columns: [table.bookingId, table.connectionId] }),
    index("booking_calendar_events_ref_idx").on(table.connectionId, table.providerEventRef),
  ],
);

/**
 * Freshness of each room's busy time (getSchedule), per connection: availability treats a room that has not been
 * read recently as busy (fail closed, like a stale calendar). `list_email` records the room list it was found in.
 */
export const resourceSyncStates = pgTable(
  "resource_sync_states",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    name: text("name"),
    listEmail: text("list_email"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true }),
    lastError: text("last_error"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (table) => [primaryKey({ columns: [table.connectionId, table.email] })],
);

/**
 * The room a booking reserved (one per booking). An exclusion constraint (migration 0008) over (tenant, email,
 * blocked) for active rows keeps two bookings from holding one room at overlapping times. `response` is the room's
 * answer as the host's calendar shows it: none, accepted, tentativelyAccepted, declined.
 */
export const bookingRooms = pgTable("booking_rooms", {
  tenantId: uuid("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" }),
  bookingId: uuid("booking_id")
    .primaryKey()
    .references(() => bookings.id, { onDelete: "cascade" }),
  connectionId: uuid("connection_id")
    .notNull()
    .references(() => calendarConnections.id, { onDelete: "cascade" }),
  email: text("email").notNull(),
  name: text("name"),
  blocked: tstzrange("blocked").notNull(),
  active: boolean("active").notNull().default(true),
  response: text("response").notNull().default("none"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * The audit log (src/audit): who accessed a host's calendar data and every security-relevant action. Append-only:
 * a trigger (migration 0012) refuses UPDATE and TRUNCATE, and DELETE except of entries older than the cutoff the
 * retention job sets in its own transaction. No foreign keys: entries outlive the hosts, connections and bookings
 * they name (an erased host's entries keep only ids). Ids and fixed codes only, never free text.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    // Null for entries about the whole installation (key rotation).
    tenantId: uuid("tenant_id"),
    actorKind: text("actor_kind").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    hostId: uuid("host_id"),
    connectionId: uuid("connection_id"),
    bookingId: uuid("booking_id"),
    provider: text("provider"),
    outcome: text("outcome").notNull(),
    requestId: text("request_id"),
    details: jsonb("details").notNull().default({}),
  },
  (table) => [
    index("audit_log_tenant_idx").on(table.tenantId, table.id),
    index("audit_log_tenant_host_idx").on(table.tenantId, table.hostId, table.id),
    index("audit_log_at_idx").on(table.at),
  ],
);

/**
 * Provider budgets: one token bucket per key (`connection:<id>`, `app:<provider>`), shared by every process through
 * the database. Capacity and refill rate are configuration, not stored: changing them applies at once.
 */
export const providerBudgets = pgTable("provider_budgets", {
  key: text("key").primaryKey(),
  tokens: doublePrecision("tokens").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  used: bigint("used", { mode: "number" }).notNull().default(0),
  delayed: bigint("delayed", { mode: "number" }).notNull().default(0),
});

/**
 * Slot holds (migration 0016): a visitor's claim on a slot for a few minutes, one row per host of the slot; live
 * while expires_at lies ahead. src/store/slot-holds-repository.ts.
 */
export const slotHolds = pgTable(
  "slot_holds",
  {
    id: uuid("id").notNull(),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    eventTypeId: uuid("event_type_id")
      .notNull()
      .references(() => eventTypes.id, { onDelete: "cascade" }),
    token: text("token").notNull(),
    clientKey: text("client_key").notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
    blocked: tstzrange("blocked").notNull(),
    sessionId: uuid("session_id"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.id, table.hostId] }),
    index("slot_holds_token_idx").on(table.token),
    index("slot_holds_client_idx").on(table.tenantId, table.clientKey, table.expiresAt),
    index("slot_holds_expires_idx").on(table.expiresAt),
  ],
);

/**
 * Host portal sign-in links (migration 0020): single-use, short-lived; only the token's SHA-256 is stored. A link is
 * used up by one conditional update, so two clicks can't both open a session.
 */
export const portalLinks = pgTable(
  "portal_links",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index("portal_links_host_idx").on(table.tenantId, table.hostId)],
);

/** Host portal sessions: the cookie carries a secret whose SHA-256 is stored; idle and absolute expiry, revocable. */
export const portalSessions = pgTable(
  "portal_sessions",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull().unique(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index("portal_sessions_host_idx").on(table.tenantId, table.hostId)],
);

/**
 * Managed events (migration 0015): events the tenant's app owns (not bookings), keyed by the app's `external_id`,
 * written into each host's calendar like bookings are. `recurrence` holds `{rrule, exdates[], overrides[]}`.
 */
export const managedEvents = pgTable(
  "managed_events",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    externalId: text("external_id").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
    timeZone: text("time_zone").notNull(),
    location: jsonb("location"),
    attendees: jsonb("attendees").notNull().default([]),
    recurrence: jsonb("recurrence"),
    blocksAvailability: boolean("blocks_availability").notNull().default(true),
    metadata: jsonb("metadata").notNull().default({}),
    // active, cancelled
    status: text("status").notNull().default("active"),
    cancelReason: text("cancel_reason"),
    // accept, notify, restore; null: the tenant's
    calendarChangePolicy: text("calendar_change_policy"),
    sequence: integer("sequence").notNull().default(0),
    // Reminder offsets (migration 0018); a series' rows reach a rolling horizon, last planned at this time.
    reminders: jsonb("reminders")
      .notNull()
      .default(sql`'{"offsetsMinutes":[1440,60],"notifyHost":false}'::jsonb`),
    remindersPlannedAt: timestamp("reminders_planned_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("managed_events_external_id_idx").on(table.tenantId, table.externalId),
    index("managed_events_tenant_start_idx").on(table.tenantId, table.startAt, table.id),
  ],
);

export const managedEventHosts = pgTable(
  "managed_event_hosts",
  {
    tenantId: uuid("tenant_id").notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => managedEvents.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.hostId] }),
    index("managed_event_hosts_host_idx").on(table.hostId),
  ],
);

/** The expanded occurrences of managed events per host; those of events that block are read with the busy cache. */
export const managedEventOccurrences = pgTable(
  "managed_event_occurrences",
  {
    tenantId: uuid("tenant_id").notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => managedEvents.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    index("managed_event_occurrences_host_time_idx").on(table.hostId, table.startAt),
    index("managed_event_occurrences_event_idx").on(table.eventId),
  ],
);

/** Write-back of managed events, one row per (event, connection): the same life cycle as booking_calendar_events. */
export const managedEventWrites = pgTable(
  "managed_event_writes",
  {
    tenantId: uuid("tenant_id").notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => managedEvents.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    calendarRef: text("calendar_ref").notNull(),
    operation: text("operation").notNull(),
    state: text("state").notNull(),
    providerEventRef: text("provider_event_ref"),
    changeKey: text("change_key"),
    contentHash: text("content_hash"),
    joinUrl: text("join_url"),
    // Bumped when the host deleted the event and it is written again (restore): a fresh idempotency key.
    generation: integer("generation").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    warning: text("warning"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.connectionId] }),
    index("managed_event_writes_ref_idx").on(table.connectionId, table.providerEventRef),
  ],
);

/**
 * Agenda import (migration 0017): the details of synced events, stored only while the connection's import switch is
 * on. Keyed like busy_intervals (connection, calendar, generation, occurrence) and maintained by the same sync paths
 * (src/store/event-details.ts), so the agenda reads the busy rows' served generation and nothing else.
 */
export const calendarEventDetails = pgTable(
  "calendar_event_details",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => calendarConnections.id, { onDelete: "cascade" }),
    calendarRef: text("calendar_ref").notNull(),
    generation: integer("generation").notNull(),
    sourceRef: text("source_ref").notNull(),
    seriesRef: text("series_ref"),
    title: text("title"),
    location: text("location"),
    timeZone: text("time_zone"),
    organizer: text("organizer"),
    attendeeCount: integer("attendee_count").notNull().default(0),
    onlineMeetingUrl: text("online_meeting_url"),
    // busy, tentative, free, out_of_office, working_elsewhere, unknown
    showAs: text("show_as").notNull(),
    // booking or managed_event: one of our own copies
    ours: text("ours"),
  },
  (table) => [
    primaryKey({ columns: [table.connectionId, table.calendarRef, table.generation, table.sourceRef] }),
  ],
);

/**
 * Reminders to send (migration 0018): one row per (booking or managed event, occurrence, recipient, offset), written
 * in the change's transaction and claimed once by the reminder job (src/jobs/reminder-jobs.ts).
 */
export const reminders = pgTable(
  "reminders",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    // booking, event (a managed event)
    subjectKind: text("subject_kind").notNull(),
    subjectId: uuid("subject_id").notNull(),
    // '' for a booking or a single event; the occurrence's original start (ISO) in a series.
    occurrenceKey: text("occurrence_key").notNull(),
    recipient: text("recipient").notNull(),
    // attendee, host
    recipientKind: text("recipient_kind").notNull(),
    offsetMinutes: integer("offset_minutes").notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    // pending, sent, dropped
    state: text("state").notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("reminders_once_idx").on(
      table.subjectId,
      table.occurrenceKey,
      table.recipient,
      table.offsetMinutes,
    ),
    index("reminders_due_idx").on(table.dueAt).where(sql`${table.state} = 'pending'`),
  ],
);
