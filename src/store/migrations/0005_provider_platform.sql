CREATE TABLE "oauth_states" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"host_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"state_hash" text NOT NULL,
	"code_verifier" text NOT NULL,
	"return_url" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oauth_states_state_hash_unique" UNIQUE("state_hash")
);
--> statement-breakpoint
ALTER TABLE "calendar_connections" ALTER COLUMN "status" SET DEFAULT 'connected';--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "series_ref" text;--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "etag" text;--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "all_day_start" date;--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "all_day_end" date;--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "booking_id" uuid;--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD COLUMN "staged" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "account_id" text;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "account_email" text;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "account_kind" text;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "token_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "refresh_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_connections" ADD COLUMN "last_error_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "is_primary" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "read_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "blocking" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "receives_events" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "staging_cursor" text;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_sync_states" ADD COLUMN "content_hash" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "connect_return_urls" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_connection_id_calendar_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."calendar_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oauth_states_connection_idx" ON "oauth_states" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "busy_intervals_source_idx" ON "busy_intervals" USING btree ("connection_id","calendar_ref","source_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_connections_account_idx" ON "calendar_connections" USING btree ("tenant_id","host_id","provider","account_id") WHERE "calendar_connections"."account_id" is not null;--> statement-breakpoint
UPDATE "calendar_connections" SET "status" = 'connected' WHERE "status" = 'active';