import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { GoogleEvent } from "./event-types.ts";

/**
 * The seed file format. Ids and emails are the ones Google would show: a personal account's primary
 * calendar id is its gmail address; room calendars look like `c_…@resource.calendar.google.com`.
 */
const accessRole = z.enum(["freeBusyReader", "reader", "writer", "owner"]);

const clientSchema = z.object({
  clientId: z.string(),
  clientSecret: z.string(),
  /** Exact-match redirect URIs. A loopback entry without a port (`http://127.0.0.1/cb`) matches any port,
   * as Google allows for loopback redirects. */
  redirectUris: z.array(z.string()),
  /** "testing" mimics an External app in Testing status: refresh tokens die after 7 days (3.4). */
  publishingStatus: z.enum(["production", "testing"]).default("production"),
});

const accountSchema = z.object({
  email: z.string(),
  /** The OIDC `sub`: Google uses a 21-digit number. */
  sub: z.string(),
  name: z.string(),
  kind: z.enum(["personal", "workspace"]),
  /** Workspace hosted domain, echoed as `hd` in id tokens and on the redirect. */
  hd: z.string().optional(),
  timeZone: z.string(),
});

const calendarSchema = z.object({
  id: z.string(),
  summary: z.string(),
  description: z.string().optional(),
  timeZone: z.string(),
  kind: z.enum(["primary", "secondary", "resource"]),
  /** Who sees the calendar in their calendarList, and with which role. */
  access: z.record(z.string(), accessRole),
  backgroundColor: z.string().optional(),
  /** For rooms: capacity and building, as the Directory API's resource would hold. */
  resource: z.object({ capacity: z.number(), buildingId: z.string() }).optional(),
});

const eventSchema = z
  .object({ calendarId: z.string(), id: z.string() })
  .catchall(z.unknown())
  .transform(({ calendarId, ...event }) => ({ calendarId, event: event as GoogleEvent }));

export const googleSeedSchema = z.object({
  clients: z.array(clientSchema),
  accounts: z.array(accountSchema),
  calendars: z.array(calendarSchema),
  events: z.array(eventSchema),
});

export type GoogleSeedInput = z.input<typeof googleSeedSchema>;
export type GoogleSeed = z.output<typeof googleSeedSchema>;
export type SeedAccount = GoogleSeed["accounts"][number];
export type SeedCalendar = GoogleSeed["calendars"][number];
export type SeedClient = GoogleSeed["clients"][number];
export type AccessRole = z.infer<typeof accessRole>;

export const DEFAULT_SEED_PATH = new URL("./seed.json", import.meta.url);

export async function loadGoogleSeed(source?: GoogleSeedInput | string): Promise<GoogleSeed> {
  if (source === undefined || typeof source === "string") {
    const text = await readFile(source ?? DEFAULT_SEED_PATH, "utf8");
    return googleSeedSchema.parse(JSON.parse(text));
  }
  return googleSeedSchema.parse(source);
}
