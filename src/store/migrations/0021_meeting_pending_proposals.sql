-- A write whose event exists but whose online meeting the provider is still making (Google Meet `pending`): the
-- write job reads the link later. And the new time an attendee proposed in their answer (Outlook), kept apart from
-- the answer itself.
ALTER TABLE "booking_calendar_events" ADD COLUMN "meeting_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "attendee_proposed_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "attendee_proposed_end" timestamp with time zone;
