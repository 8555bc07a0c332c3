import { randomBytes } from "node:crypto";
import type { ChannelRegistry } from "./channels.ts";
import type { SandboxClock } from "./clock.ts";
import { type ConferenceBehaviour, DEFAULT_CONFERENCE } from "./conference.ts";
import { notFound } from "./errors.ts";
import { formatCreated, formatMillis } from "./event-time.ts";
import type { GoogleEvent, StoredEvent } from "./event-types.ts";
import { createEtagSource } from "./ids.ts";
import { OAuthStore } from "./oauth-store.ts";
import type { AccessRole, GoogleSeed, SeedAccount, SeedCalendar } from "./seed-schema.ts";
import { ThrottleQueue } from "./throttle.ts";

export interface CalendarRecord {
  seed: SeedCalendar;
  events: Map<string, StoredEvent>;
  /** Bumped by `POST /_sandbox/sync-tokens/expire`: tokens minted under an older epoch get 410. */
  syncEpoch: number;
}

/** A notification e-mail Google would have sent for `sendUpdates` (kept so tests can assert on it). */
export interface SentUpdate {
  calendarId: string;
  eventId: string;
  method: "request" | "cancel";
  to: string[];
  at: string;
}

const ROLE_RANK: Record<AccessRole, number> = { freeBusyReader: 1, reader: 2, writer: 3, owner: 4 };

export function roleAtLeast(role: AccessRole, needed: AccessRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

/** All in-memory sandbox state. `reset()` reloads the seed and starts a new generation, which
 * invalidates every sync token, page token and OAuth token minted before it. */
export class GoogleSandboxState {
  readonly clock: SandboxClock;
  readonly seed: GoogleSeed;
  readonly channels: ChannelRegistry;
  readonly etag = createEtagSource();
  generation = "";
  changeSeq = 0;
  accounts = new Map<string, SeedAccount>();
  calendars = new Map<string, CalendarRecord>();
  oauth!: OAuthStore;
  throttle = new ThrottleQueue();
  outbox: SentUpdate[] = [];
  /** Added to every Calendar API request (`POST /_sandbox/latency`). */
  latencyMs = 0;
  /** How Meet creation answers (`POST /_sandbox/conference`); pending by default, as Google may. */
  conference: ConferenceBehaviour = { ...DEFAULT_CONFERENCE };
  /** Conferences still being made, by calendar and event, with the time they become ready. */
  pendingConferences = new Map<string, { calendarId: string; eventId: string; readyAt: number }>();

  constructor(params: { seed: GoogleSeed; clock: SandboxClock; channels: ChannelRegistry }) {
    this.seed = params.seed;
    this.clock = params.clock;
    this.channels = params.channels;
    this.reset();
  }

  now(): number {
    return this.clock.now();
  }

  reset(): void {
    this.clock.reset();
    this.generation = randomBytes(6).toString("base64url");
    this.changeSeq = 0;
    this.outbox = [];
    this.latencyMs = 0;
    this.conference = { ...DEFAULT_CONFERENCE };
    this.pendingConferences = new Map();
    this.throttle = new ThrottleQueue();
    this.channels.clear();
    this.oauth = new OAuthStore({ clients: this.seed.clients, clock: () => this.now() });
    this.accounts = new Map(this.seed.accounts.map((account) => [account.email, account]));
    this.calendars = new Map(
      this.seed.calendars.map((calendar) => [
        calendar.id,
        { seed: calendar, events: new Map(), syncEpoch: 0 },
      ]),
    );
    const now = this.now();
    for (const { calendarId, event } of this.seed.events) {
      const calendar = this.calendars.get(calendarId);
      if (!calendar) throw new Error(`Seed event ${event.id} names unknown calendar ${calendarId}`);
      const owner = ownerOf(calendar.seed);
      const stored: StoredEvent = {
        changeSeq: this.nextChange(),
        event: {
          kind: "calendar#event",
          status: "confirmed",
          created: formatCreated(now),
          updated: formatMillis(now),
          iCalUID: `${event.recurringEventId ?? event.id}@google.com`,
          sequence: 0,
          creator: { email: owner },
          organizer: { email: owner },
          ...event,
          etag: this.etag(now),
        },
      };
      calendar.events.set(event.id, stored);
    }
  }

  /** Writes an event version: new etag, `updated` and change number (what sync tokens compare). */
  storeEvent(calendar: CalendarRecord, event: GoogleEvent): GoogleEvent {
    const now = this.now();
    const stored: GoogleEvent = { ...event, updated: formatMillis(now), etag: this.etag(now) };
    const entry = calendar.events.get(event.id);
    if (entry) {
      entry.event = stored;
      entry.changeSeq = this.nextChange();
    } else {
      calendar.events.set(event.id, { event: stored, changeSeq: this.nextChange() });
    }
    return stored;
  }

  nextChange(): number {
    this.changeSeq += 1;
    return this.changeSeq;
  }

  /** Resolves `primary` and checks the account's role; unknown or invisible calendars are 404 (4.7). */
  calendarFor(account: string, calendarId: string): { calendar: CalendarRecord; role: AccessRole } {
    const id = calendarId === "primary" ? account : calendarId;
    const calendar = this.calendars.get(id);
    const role = calendar?.seed.access[account];
    if (!calendar || !role) throw notFound();
    return { calendar, role };
  }

  /** Called after every write to a calendar's events: wakes the push channels watching it. */
  recordChange(calendarId: string): void {
    this.channels.notifyChange(calendarId);
  }
}

export function ownerOf(calendar: SeedCalendar): string {
  const owner = Object.entries(calendar.access).find(([, role]) => role === "owner")?.[0];
  return owner ?? calendar.id;
}
