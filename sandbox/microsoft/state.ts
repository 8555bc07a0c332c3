import type { SandboxClock } from "./clock.ts";
import type { DeltaRound } from "./delta.ts";
import type { AccessGrant, AuthCode, RefreshGrant } from "./identity-grants.ts";
import { newChangeKey } from "./ids.ts";
import type { Mailbox, RegisteredApp, RoomList, StoredCalendar, StoredEvent, Tenant } from "./model.ts";

export interface EventChange {
  mailboxId: string;
  calendarId: string;
  eventId: string;
  changeType: "created" | "updated" | "deleted";
  changeKey: string;
}

export interface ThrottleRule {
  status: 429 | 503 | 504;
  retryAfter: string | null;
  mailboxId: string | null;
}

/** Everything the sandbox knows, in memory. Reset reloads the seed. */
export class MicrosoftSandboxState {
  readonly clock: SandboxClock;
  tenants = new Map<string, Tenant>();
  apps = new Map<string, RegisteredApp>();
  mailboxes = new Map<string, Mailbox>();
  roomLists = new Map<string, RoomList>();
  calendars = new Map<string, StoredCalendar>();
  events = new Map<string, StoredEvent>();
  codes = new Map<string, AuthCode>();
  accessTokens = new Map<string, AccessGrant>();
  refreshTokens = new Map<string, RefreshGrant>();
  deltaRounds = new Map<string, DeltaRound>();
  /** `${mailboxId}\n${transactionId}` -> event id, so a retried POST returns the original event. */
  transactionIds = new Map<string, string>();
  throttleQueue: ThrottleRule[] = [];
  latencyMs = 0;
  /** Tokens the token endpoint issued, per grant type (tests count refreshes: one per expiry across processes). */
  tokenGrants = { authorization_code: 0, refresh_token: 0, client_credentials: 0 };
  /** Highest delta generation handed out, quoted in SyncStateNotFound messages. */
  deltaGeneration = 0;
  private readonly listeners: Array<(change: EventChange) => void> = [];

  constructor(clock: SandboxClock) {
    this.clock = clock;
  }

  now(): number {
    return this.clock.now();
  }

  clear(): void {
    for (const map of [
      this.tenants,
      this.apps,
      this.mailboxes,
      this.roomLists,
      this.calendars,
      this.events,
      this.codes,
      this.accessTokens,
      this.refreshTokens,
      this.deltaRounds,
      this.transactionIds,
    ]) {
      map.clear();
    }
    this.throttleQueue = [];
    this.latencyMs = 0;
    this.tokenGrants = { authorization_code: 0, refresh_token: 0, client_credentials: 0 };
  }

  onEventChange(listener: (change: EventChange) => void): void {
    this.listeners.push(listener);
  }

  emitChange(change: EventChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Records an in-place modification: new changeKey, new lastModified, an `updated` change. */
  touch(event: StoredEvent): void {
    event.changeKey = newChangeKey();
    event.lastModifiedMs = this.now();
    this.emitChange({
      mailboxId: event.mailboxId,
      calendarId: event.calendarId,
      eventId: event.id,
      changeType: "updated",
      changeKey: event.changeKey,
    });
  }

  /** Removes an item and records a `deleted` change. */
  remove(event: StoredEvent): void {
    this.events.delete(event.id);
    this.emitChange({
      mailboxId: event.mailboxId,
      calendarId: event.calendarId,
      eventId: event.id,
      changeType: "deleted",
      changeKey: event.changeKey,
    });
  }

  findMailbox(idOrAddress: string): Mailbox | undefined {
    const direct = this.mailboxes.get(idOrAddress);
    if (direct) return direct;
    const wanted = idOrAddress.toLowerCase();
    for (const mailbox of this.mailboxes.values()) {
      if (mailbox.userPrincipalName.toLowerCase() === wanted || mailbox.mail?.toLowerCase() === wanted) {
        return mailbox;
      }
    }
    return undefined;
  }

  defaultCalendar(mailboxId: string): StoredCalendar {
    for (const calendar of this.calendars.values()) {
      if (calendar.mailboxId === mailboxId && calendar.isDefaultCalendar) return calendar;
    }
    throw new Error(`mailbox ${mailboxId} has no default calendar`);
  }

  calendarsOf(mailboxId: string): StoredCalendar[] {
    return [...this.calendars.values()].filter((calendar) => calendar.mailboxId === mailboxId);
  }

  eventsOf(mailboxId: string, calendarId?: string): StoredEvent[] {
    return [...this.events.values()].filter(
      (event) => event.mailboxId === mailboxId && (!calendarId || event.calendarId === calendarId),
    );
  }
}
