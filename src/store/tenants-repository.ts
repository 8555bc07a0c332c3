import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { BookingPageSettings } from "../core/bookings/booking-page-settings.ts";
import type { Database } from "./database.ts";
import { newId, type TenantId } from "./ids.ts";
import { apiKeys, tenants } from "./schema.ts";

export interface TenantRow {
  id: TenantId;
  slug: string;
  name: string;
  /** URL prefixes the OAuth connect flow may return the browser to. */
  connectReturnUrls: string[];
  /** Who invites an attendee whose booking is written into a host's calendar (see docs/write-back.md). */
  attendeeInvitations: AttendeeInvitations;
  /** What erasing a host does with the bookings only that host took (see src/privacy/erase-host.ts). */
  erasure: ErasureMode;
  /** What a host's change to a managed event in their calendar does (accept, notify, restore). */
  calendarChangePolicy: CalendarChangePolicy;
  /** The public booking page's brand colour, logo and embedding origins. */
  bookingPage: BookingPageSettings;
  createdAt: Date;
}

export const CALENDAR_CHANGE_POLICIES = ["accept", "notify", "restore"] as const;
export type CalendarChangePolicy = (typeof CALENDAR_CHANGE_POLICIES)[number];

export const ERASURE_MODES = ["anonymise", "delete"] as const;
export type ErasureMode = (typeof ERASURE_MODES)[number];

export const ATTENDEE_INVITATIONS = ["provider", "calbridge"] as const;
export type AttendeeInvitations = (typeof ATTENDEE_INVITATIONS)[number];

export class DuplicateTenantError extends Error {
  override name = "DuplicateTenantError";
}

/** `cbk_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole key proves possession. */
const keyPattern = /^cbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return slug || "tenant";
}

export async function createTenant(
  db: Database,
  params: { name: string; slug?: string },
): Promise<TenantRow> {
  const slug = params.slug ?? slugify(params.name);
  const existing = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, slug));
  if (existing.length > 0) throw new DuplicateTenantError(`a tenant with slug "${slug}" already exists`);
  const [row] = await db
    .insert(tenants)
    .values({ id: newId<TenantId>(), name: params.name, slug })
    .returning();
  return row as unknown as TenantRow;
}

export async function findTenantBySlug(db: Database, slug: string): Promise<TenantRow | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug));
  return row as unknown as TenantRow | undefined;
}

export async function findTenantById(db: Database, id: TenantId): Promise<TenantRow | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id));
  return row as unknown as TenantRow | undefined;
}

export async function updateTenantSettings(
  db: Database,
  id: TenantId,
  settings: {
    connectReturnUrls?: string[];
    attendeeInvitations?: AttendeeInvitations;
    erasure?: ErasureMode;
    calendarChangePolicy?: CalendarChangePolicy;
    bookingPage?: BookingPageSettings;
  },
): Promise<TenantRow | undefined> {
  if (Object.keys(settings).length === 0) return findTenantById(db, id);
  const [row] = await db.update(tenants).set(settings).where(eq(tenants.id, id)).returning();
  return row as unknown as TenantRow | undefined;
}

/** Creates an API key and returns its plaintext: the only time it exists outside the caller's hands. */
export async function createApiKey(
  db: Database,
  params: { tenantId: TenantId; name: string },
): Promise<{ id: string; key: string; prefix: string }> {
  const prefix = randomBytes(9)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "0")
    .slice(0, 12);
  const key = `cbk_${prefix}_${randomBytes(32).toString("base64url")}`;
  const id = newId<string>();
  await db
    .insert(apiKeys)
    .values({ id, tenantId: params.tenantId, name: params.name, prefix, keyHash: hashKey(key) });
  return { id, key, prefix };
}

export async function listApiKeys(db: Database, tenantId: TenantId) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, tenantId));
}

export async function revokeApiKey(
  db: Database,
  params: { tenantId: TenantId; id: string },
): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.tenantId, params.tenantId), eq(apiKeys.id, params.id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** Returns the tenant a key belongs to, or undefined for a malformed, unknown or revoked key. */
export async function authenticateApiKey(
  db: Database,
  key: string,
): Promise<{ tenantId: TenantId; keyId: string } | undefined> {
  const match = keyPattern.exec(key);
  if (!match) return undefined;
  const [row] = await db
    .select({
      id: apiKeys.id,
      tenantId: apiKeys.tenantId,
      keyHash: apiKeys.keyHash,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.prefix, match[1]!));
  if (!row || row.revokedAt) return undefined;
  const expected = Buffer.from(row.keyHash, "hex");
  const actual = Buffer.from(hashKey(key), "hex");
  if (!timingSafeEqual(expected, actual)) return undefined;
  return { tenantId: row.tenantId as TenantId, keyId: row.id };
}
