-- What a sync could not read (an .ics feed cut at its occurrence or recurrence budget), shown on the connection,
-- and the instant from which the calendar's busy time is unknown: availability fails closed from there.
ALTER TABLE "calendar_sync_states" ADD COLUMN "warnings" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "incomplete_from" timestamp with time zone;
