CREATE TABLE "booking_calendar_events" (
	"tenant_id" uuid NOT NULL,
	"booking_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"calendar_ref" text NOT NULL,
	"operation" text NOT NULL,
	"state" text NOT NULL,
	"provider_event_ref" text,
	"change_key" text,
	"content_hash" text,
	"invites_attendee" boolean DEFAULT false NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"warning" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "booking_calendar_events_booking_id_connection_id_pk" PRIMARY KEY("booking_id","connection_id")
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "attendee_invitations" text DEFAULT 'provider' NOT NULL;--> statement-breakpoint
ALTER TABLE "booking_calendar_events" ADD CONSTRAINT "booking_calendar_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking_calendar_events" ADD CONSTRAINT "booking_calendar_events_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking_calendar_events" ADD CONSTRAINT "booking_calendar_events_connection_id_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."calendar_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "booking_calendar_events" ADD CONSTRAINT "booking_calendar_events_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "booking_calendar_events_ref_idx" ON "booking_calendar_events" USING btree ("connection_id","provider_event_ref");