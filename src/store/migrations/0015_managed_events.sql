CREATE TABLE "managed_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"location" jsonb,
	"attendees" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"recurrence" jsonb,
	"blocks_availability" boolean DEFAULT true NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"cancel_reason" text,
	"calendar_change_policy" text,
	"sequence" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "managed_event_hosts" (
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	CONSTRAINT "managed_event_hosts_event_id_host_id_pk" PRIMARY KEY("event_id","host_id")
);
--> statement-breakpoint
CREATE TABLE "managed_event_occurrences" (
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "managed_event_writes" (
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"calendar_ref" text NOT NULL,
	"operation" text NOT NULL,
	"state" text NOT NULL,
	"provider_event_ref" text,
	"change_key" text,
	"content_hash" text,
	"join_url" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"warning" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "managed_event_writes_event_id_connection_id_pk" PRIMARY KEY("event_id","connection_id")
);
--> statement-breakpoint
ALTER TABLE "managed_event_writes" ADD COLUMN "generation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "calendar_change_policy" text DEFAULT 'notify' NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "busy_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "import_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "export_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "managed_events" ADD CONSTRAINT "managed_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_hosts" ADD CONSTRAINT "managed_event_hosts_event_id_managed_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."managed_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_hosts" ADD CONSTRAINT "managed_event_hosts_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_occurrences" ADD CONSTRAINT "managed_event_occurrences_event_id_managed_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."managed_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_occurrences" ADD CONSTRAINT "managed_event_occurrences_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_writes" ADD CONSTRAINT "managed_event_writes_event_id_managed_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."managed_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_writes" ADD CONSTRAINT "managed_event_writes_connection_id_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."calendar_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "managed_event_writes" ADD CONSTRAINT "managed_event_writes_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "managed_events_external_id_idx" ON "managed_events" USING btree ("tenant_id","external_id");--> statement-breakpoint
CREATE INDEX "managed_events_tenant_start_idx" ON "managed_events" USING btree ("tenant_id","start_at","id");--> statement-breakpoint
CREATE INDEX "managed_event_hosts_host_idx" ON "managed_event_hosts" USING btree ("host_id");--> statement-breakpoint
CREATE INDEX "managed_event_occurrences_host_time_idx" ON "managed_event_occurrences" USING btree ("host_id","start_at");--> statement-breakpoint
CREATE INDEX "managed_event_occurrences_event_idx" ON "managed_event_occurrences" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "managed_event_writes_ref_idx" ON "managed_event_writes" USING btree ("connection_id","provider_event_ref");
