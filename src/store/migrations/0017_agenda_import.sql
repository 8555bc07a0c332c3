-- Agenda import (issue #18 item 4): the details of synced events, stored only while the connection's import switch
-- is on. Rows are keyed like the busy cache's (connection, calendar, generation, occurrence) and written and removed
-- by the same sync paths, so the agenda serves exactly the busy rows' served generation.
CREATE TABLE IF NOT EXISTS "calendar_event_details" (
  "tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
  "host_id" uuid NOT NULL REFERENCES "hosts"("id") ON DELETE CASCADE,
  "connection_id" uuid NOT NULL REFERENCES "calendar_connections"("id") ON DELETE CASCADE,
  "calendar_ref" text NOT NULL,
  "generation" integer NOT NULL,
  "source_ref" text NOT NULL,
  "series_ref" text,
  "title" text,
  "location" text,
  "time_zone" text,
  "organizer" text,
  "attendee_count" integer NOT NULL DEFAULT 0,
  "online_meeting_url" text,
  "show_as" text NOT NULL,
  "ours" text,
  PRIMARY KEY ("connection_id", "calendar_ref", "generation", "source_ref")
);
--> statement-breakpoint
-- Progress of the connection's latest sync ("sync now" answers it; GET on the connection reports it).
ALTER TABLE "calendar_connections" ADD COLUMN IF NOT EXISTS "sync_progress" jsonb;
