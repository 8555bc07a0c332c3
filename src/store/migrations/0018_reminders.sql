-- Reminders (issue 18 item 6): offsets per event type and per managed event (default 24 h and 1 h before start),
-- the attendee's language on bookings, and one row per reminder to send.
ALTER TABLE "event_types" ADD COLUMN "reminders" jsonb DEFAULT '{"offsetsMinutes":[1440,60],"notifyHost":false}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "managed_events" ADD COLUMN "reminders" jsonb DEFAULT '{"offsetsMinutes":[1440,60],"notifyHost":false}'::jsonb NOT NULL;--> statement-breakpoint
-- When a series' reminder rows were last planned: they reach a rolling horizon ahead, renewed by the reminder job.
ALTER TABLE "managed_events" ADD COLUMN "reminders_planned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "attendee_locale" text;--> statement-breakpoint
-- One row per (booking or managed event, occurrence, recipient, offset): the unique index makes it exist once, and
-- its state (pending, sent, dropped) makes it sent once. occurrence_key is '' for a booking or a single event and
-- the occurrence's original start for a series. Rows are written in the change's transaction.
CREATE TABLE "reminders" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
	"subject_kind" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"occurrence_key" text NOT NULL,
	"recipient" text NOT NULL,
	"recipient_kind" text NOT NULL,
	"offset_minutes" integer NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"state" text NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "reminders_once_idx" ON "reminders" USING btree ("subject_id","occurrence_key","recipient","offset_minutes");--> statement-breakpoint
CREATE INDEX "reminders_due_idx" ON "reminders" USING btree ("due_at") WHERE "state" = 'pending';
