-- Host portal: single-use sign-in links and the sessions they open. Only SHA-256 hashes of the link token and the
-- session id are stored, so a reader of the table can't sign in as anybody.
CREATE TABLE "portal_links" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
	"host_id" uuid NOT NULL REFERENCES "hosts"("id") ON DELETE CASCADE,
	"token_hash" text NOT NULL UNIQUE,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "portal_links_host_idx" ON "portal_links" USING btree ("tenant_id","host_id");--> statement-breakpoint
CREATE TABLE "portal_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
	"host_id" uuid NOT NULL REFERENCES "hosts"("id") ON DELETE CASCADE,
	"secret_hash" text NOT NULL UNIQUE,
	"last_seen_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "portal_sessions_host_idx" ON "portal_sessions" USING btree ("tenant_id","host_id");
