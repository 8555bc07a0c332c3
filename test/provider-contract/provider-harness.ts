/** The cases of the contract a provider may be unable to take part in (each skip states its reason). */
export type ContractCase = "forgedNotification";

/**
 * What the shared provider contract suite needs from one provider and its server (the Drizzle way: one suite, one
 * adapter per run): how to start the emulator (or the real server, for CalDAV), the service's configuration for
 * it, how the host connects (OAuth consent or credentials), what the seed looks like in slots, how the host changes
 * events "in the calendar", and how to inject the faults of the matrix. Every time is UTC; slot lists are start
 * times (HH:MM, UTC) of one day.
 */
export interface ProviderHarness {
  provider: "google" | "microsoft" | "caldav";
  /** Starts the server on a clock that begins at 2030-01-01 and runs at real speed. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The harness clock (moved by `advanceClock`); the service runs on it too. */
  now(): number;
  /** Provider variables of the service (the sandbox's endpoints and demo client). */
  serviceEnv(): Record<string, string>;
  /** The fetch the service's provider HTTP layer uses (where a fault is injected on the service's side). */
  serviceFetch?: typeof globalThis.fetch;
  /** The host whose account is connected: its zone (also its schedule's, Mon-Fri 09-17) and sign-in address. */
  host: { name: string; timeZone: string; account: string };
  /**
   * How the host connects. OAuth: follows the authorize URL through the sandbox's consent page as the host and
   * answers the callback URL. Credentials: the body fields of the connect request (CalDAV).
   */
  connect:
    | { kind: "oauth"; consent(authorizeUrl: string): Promise<string> }
    | { kind: "credentials"; body(): Record<string, unknown> };
  /** Whether the provider pushes changes (a channel per calendar); without, polling is the only path. */
  push: boolean;
  /** Cases that cannot apply to this provider, with the reason. */
  skips?: Partial<Record<ContractCase, string>>;
  /** Where a day's slots start (UTC): the host's local morning falls inside the 24 hours from it. */
  dayStartUtc: string;
  /** Slot lists the seeded events must produce (day -> slots); the second day has busy time. */
  seededSlots: Record<string, string[]>;
  /** Free instants in the host's hours, for bookings (at least four). */
  freeStarts: string[];
  /** The online meeting event types ask for (with its fixed link, for a plain link), and what the link looks like. */
  meeting: { kind: "meet" | "teams" | "link"; value?: string; link: RegExp };
  /** The events in the host's calendar that carry the booking's marker. */
  bookingEvents(
    bookingId: string,
  ):
    | Array<{ id: string; attendees: string[]; joinUrl?: string }>
    | Promise<Array<{ id: string; attendees: string[]; joinUrl?: string }>>;
  /** Changes "made by the host in the calendar" (not through the service). */
  moveEvent(eventId: string, start: Date, end: Date): Promise<void>;
  deleteEvent(eventId: string): Promise<void>;
  /** Faults. */
  throttle(count: number): Promise<void>;
  /** Calls the server answered with the injected throttling still to come. */
  pendingThrottles(): number;
  /** The answer to the next event create is lost after the provider committed it (a timeout on our side). */
  loseNextCreateAnswer(): void;
  /** Whether that loss is still waiting for its create. */
  createLossArmed(): boolean;
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

/**
 * The lost-create fault of the OAuth providers, on the service's side: their creates are POSTs to an events
 * collection; the answer is read (the provider committed) and a timeout is thrown instead.
 */
export function lossyCreates(
  isCreate: (method: string, path: string) => boolean,
): Pick<ProviderHarness, "serviceFetch" | "loseNextCreateAnswer" | "createLossArmed"> {
  let armed = false;
  return {
    serviceFetch: async (input, init) => {
      const response = await fetch(input, init);
      if (armed && isCreate(init?.method ?? "GET", new URL(String(input)).pathname)) {
        armed = false;
        await response.text();
        throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      }
      return response;
    },
    loseNextCreateAnswer() {
      armed = true;
    },
    createLossArmed: () => armed,
  };
}

/** Where the OAuth connect flow sends the host back (an allowed return URL of the test tenant). */
export const RETURN = "http://localhost:4999/settings/calendars";

/**
 * Connects the harness's host account to a host of the service (OAuth: through the consent page, the callback
 * followed; credentials: one request) and answers the connection id (a reconnect lands in the existing one).
 */
export async function connectHarnessHost(params: {
  harness: ProviderHarness;
  api: (
    method: string,
    path: string,
    body?: unknown,
  ) => Promise<{ status: number; body: ReturnType<typeof JSON.parse> }>;
  hostId: string;
  loginHint: boolean;
}): Promise<string> {
  const { harness, api, hostId } = params;
  const { connect } = harness;
  const created = await api("POST", `/v1/hosts/${hostId}/connections`, {
    provider: harness.provider,
    ...(connect.kind === "credentials"
      ? connect.body()
      : { returnUrl: RETURN, ...(params.loginHint ? { loginHint: harness.host.account } : {}) }),
  });
  if (created.status !== 201)
    throw new Error(`connect answered ${created.status}: ${JSON.stringify(created.body)}`);
  if (connect.kind === "credentials") return created.body.id;
  const authorize = new URL(created.body.authorizeUrl);
  if (authorize.searchParams.get("code_challenge_method") !== "S256")
    throw new Error("no PKCE S256 challenge");
  const callback = await connect.consent(created.body.authorizeUrl);
  const done = await fetch(callback.replace("localhost", "127.0.0.1"), { redirect: "manual" });
  const back = new URL(done.headers.get("location") ?? "");
  if (`${back.origin}${back.pathname}` !== RETURN || back.searchParams.get("status") !== "connected")
    throw new Error(`the callback sent the host back to ${back.href}`);
  return back.searchParams.get("connection")!;
}
