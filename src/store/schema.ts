import { sql } from "drizzle-orm";
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

// Every table below (except tenants itself) carries tenant_id and every repository query filters on it:
// tenant isolation is a property of the data model, not of the routes.

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
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
    status: text("status").notNull().default("active"),
    // Envelope from src/secrets (AES-256-GCM, key id inside): OAuth tokens, CalDAV passwords, private feed URLs.
    credentials: text("credentials"),
    settings: jsonb("settings").notNull().default({}),
    lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index("calendar_connections_tenant_host_idx").on(table.tenantId, table.hostId)],
);
