/**
 * What the shared provider contract suite needs from one provider and its sandbox (the Drizzle way: one suite, one
 * adapter per run): how to start the emulator, the service's configuration for it, how the host signs in and
 * consents, what the seed looks like in slots, how the host changes events "in the calendar", and how to inject
 * the faults of the matrix. Every time is UTC; slot lists are start times (HH:MM, UTC) of one day.
 */
export interface ProviderHarness {
  provider: "google" | "microsoft";
  /** Starts the sandbox on a clock that begins at 2030-01-01 and runs at real speed. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The sandbox clock (moved by `advanceClock`); the service runs on it too. */
  now(): number;
  /** Provider variables of the service (the sandbox's endpoints and demo client). */
  serviceEnv(): Record<string, string>;
  /** The host whose account is connected: its zone (also its schedule's, Mon-Fri 09-17) and sign-in address. */
  host: { name: string; timeZone: string; account: string };
  /** Follows the authorize URL through the sandbox's consent page as the host; answers the callback URL. */
  consent(authorizeUrl: string): Promise<string>;
  /** Where a day's slots start (UTC): the host's local morning falls inside the 24 hours from it. */
  dayStartUtc: string;
  /** Slot lists the seeded events must produce (day -> slots). */
  seededSlots: Record<string, string[]>;
  /** Free instants in the host's hours, for bookings (at least four). */
  freeStarts: string[];
  /** The online meeting event types ask for, and what its link looks like. */
  meeting: { kind: "meet" | "teams"; link: RegExp };
  /** The events in the host's calendar that carry the booking's marker. */
  bookingEvents(bookingId: string): Array<{ id: string; attendees: string[]; joinUrl?: string }>;
  /** Changes "made by the host in the calendar" (not through the service). */
  moveEvent(eventId: string, start: Date, end: Date): Promise<void>;
  deleteEvent(eventId: string): Promise<void>;
  /** Faults. */
  throttle(count: number): Promise<void>;
  /** Calls the sandbox answered with the injected throttling still to come. */
  pendingThrottles(): number;
  revokeGrant(): Promise<void>;
  expireSyncCursors(): Promise<void>;
  dropNotifications(count: number): Promise<void>;
  advanceClock(ms: number): Promise<void>;
  /** Live push channels at the provider. */
  liveChannels(): number;
  /** A notification for a channel we hold, with a wrong secret, as the provider would send it. */
  forgedNotification(channel: { id: string; resourceId?: string }): {
    headers: Record<string, string>;
    body: string;
  };
  /** The ids of events the seed has that a test can delete to see the change arrive (blocking, in the window). */
  seededEvent: { id: () => string; date: string; slot: string };
}
