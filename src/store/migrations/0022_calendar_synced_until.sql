-- The end of the window a calendar's last complete listing read: the synced window follows the tenant's longest
-- horizon, so availability must not offer time past it until a sync has listed it.
ALTER TABLE "calendar_sync_states" ADD COLUMN "synced_until" timestamp with time zone;
