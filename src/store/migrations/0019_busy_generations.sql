-- The busy cache by generation (issue #11): a full listing is written under a new generation of its calendar, in
-- small transactions beside the rows it replaces; the swap is one update of the calendar's live generation, and the
-- superseded rows are deleted afterwards in small batches. Availability serves only a calendar's live generation.
ALTER TABLE "busy_intervals" ADD COLUMN IF NOT EXISTS "generation" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN IF NOT EXISTS "busy_generation" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN IF NOT EXISTS "staging_generation" integer;
--> statement-breakpoint
-- A listing staged the old way (the staged flag) restarts under a generation; its rows are dropped.
DELETE FROM "busy_intervals" WHERE "staged";
--> statement-breakpoint
UPDATE "calendar_sync_states" SET "staging_cursor" = NULL WHERE "staging_cursor" IS NOT NULL;
--> statement-breakpoint
-- Superseded generations are found (and deleted in batches) by it.
CREATE INDEX IF NOT EXISTS "busy_intervals_generation_idx" ON "busy_intervals" ("connection_id", "calendar_ref", "generation");
