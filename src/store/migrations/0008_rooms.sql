-- Rooms (#12): an event type may name rooms; room busy time sits in the busy cache as its own calendar
-- (calendar_ref "room:<email>", resource = the room's address) and never counts as the host's own time.
ALTER TABLE "event_types" ADD COLUMN "rooms" jsonb;
--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "resource" text;
--> statement-breakpoint
CREATE TABLE "resource_sync_states" (
	"tenant_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"list_email" text,
	"last_attempt_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_error" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_sync_states_connection_id_email_pk" PRIMARY KEY("connection_id","email")
);
--> statement-breakpoint
ALTER TABLE "resource_sync_states" ADD CONSTRAINT "resource_sync_states_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "resource_sync_states" ADD CONSTRAINT "resource_sync_states_connection_id_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."calendar_connections"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE TABLE "booking_rooms" (
	"tenant_id" uuid NOT NULL,
	"booking_id" uuid PRIMARY KEY NOT NULL,
	"connection_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"blocked" tstzrange NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"response" text DEFAULT 'none' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "booking_rooms" ADD CONSTRAINT "booking_rooms_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "booking_rooms" ADD CONSTRAINT "booking_rooms_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "booking_rooms" ADD CONSTRAINT "booking_rooms_connection_id_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."calendar_connections"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Like booking_hosts_no_overlap: two active reservations of one room never overlap, whatever raced. A booking
-- that loses the race for its first choice takes the next free room (INSERT ... ON CONFLICT DO NOTHING).
ALTER TABLE "booking_rooms"
  ADD CONSTRAINT "booking_rooms_no_overlap"
  EXCLUDE USING gist ("tenant_id" WITH =, "email" WITH =, "blocked" WITH &&) WHERE ("active");
