-- Booking depth (issue 19): slot holds, seats, weighted round-robin, attendee responses.
--
-- Slot holds: a visitor's few-minute claim on a slot while they fill the form, one row per host of the slot. A hold
-- is live while expires_at lies ahead; queries check the time, and a job deletes expired rows. Holds and bookings of
-- a host take turns on the host's advisory lock (src/store/slot-holds-repository.ts), which makes the check race-proof.
CREATE TABLE "slot_holds" (
	"id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"event_type_id" uuid NOT NULL,
	"token" text NOT NULL,
	"client_key" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"blocked" "tstzrange" NOT NULL,
	"session_id" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slot_holds_id_host_id_pk" PRIMARY KEY("id","host_id")
);
--> statement-breakpoint
ALTER TABLE "slot_holds" ADD CONSTRAINT "slot_holds_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slot_holds" ADD CONSTRAINT "slot_holds_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slot_holds" ADD CONSTRAINT "slot_holds_event_type_id_event_types_id_fk" FOREIGN KEY ("event_type_id") REFERENCES "public"."event_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "slot_holds_host_blocked_idx" ON "slot_holds" USING gist ("host_id", "blocked");--> statement-breakpoint
CREATE INDEX "slot_holds_token_idx" ON "slot_holds" USING btree ("token");--> statement-breakpoint
CREATE INDEX "slot_holds_client_idx" ON "slot_holds" USING btree ("tenant_id", "client_key", "expires_at");--> statement-breakpoint
CREATE INDEX "slot_holds_expires_idx" ON "slot_holds" USING btree ("expires_at");--> statement-breakpoint
-- Seats: a capacity per slot (null: one-to-one). Every seat is its own booking of one session; a session is named
-- by its event type and time (src/core/bookings/seats.ts).
ALTER TABLE "event_types" ADD COLUMN "seats" integer;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "seats_show_attendees" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Round-robin weights and priorities per host, and the window they are counted over (null: least recently booked).
ALTER TABLE "event_types" ADD COLUMN "round_robin" jsonb;--> statement-breakpoint
-- RSVP: a decline by the only attendee cancels the booking when this is set.
ALTER TABLE "event_types" ADD COLUMN "cancel_on_decline" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "session_id" uuid;--> statement-breakpoint
-- The attendee's answer to the invitation as the host's calendar shows it (null: not seen yet).
ALTER TABLE "bookings" ADD COLUMN "attendee_response" text;--> statement-breakpoint
CREATE INDEX "bookings_session_idx" ON "bookings" USING btree ("session_id") WHERE "session_id" is not null;--> statement-breakpoint
ALTER TABLE "booking_hosts" ADD COLUMN "session_id" uuid;--> statement-breakpoint
-- The seats of one session share its time: the exclusion constraint now refuses overlaps between different
-- sessions (a booking without seats is a session of its own), never between the seats of one.
ALTER TABLE "booking_hosts" DROP CONSTRAINT "booking_hosts_no_overlap";--> statement-breakpoint
ALTER TABLE "booking_hosts"
  ADD CONSTRAINT "booking_hosts_no_overlap"
  EXCLUDE USING gist ("host_id" WITH =, "blocked" WITH &&, (coalesce("session_id", "booking_id")) WITH <>) WHERE ("active");
