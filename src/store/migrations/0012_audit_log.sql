CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"tenant_id" uuid,
	"actor_kind" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"host_id" uuid,
	"connection_id" uuid,
	"booking_id" uuid,
	"provider" text,
	"outcome" text NOT NULL,
	"request_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_log_tenant_idx" ON "audit_log" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_tenant_host_idx" ON "audit_log" USING btree ("tenant_id","host_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
-- Append-only: no UPDATE ever; DELETE only of entries older than the cutoff the retention job sets for its own
-- transaction (set_config('calbridge.audit_retention_before', <timestamp>, true)), at least a day old. An erasure
-- can't remove entries. (Defence in depth: an operator should also grant the application role no DELETE.)
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	cutoff text := current_setting('calbridge.audit_retention_before', true);
BEGIN
	-- The cutoff must lie a day or more in the past: no setting can open the recent entries.
	IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> '' AND cutoff::timestamptz <= now() - interval '1 day'
		AND OLD.at < cutoff::timestamptz THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log"
	FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint
CREATE FUNCTION "audit_log_no_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only (TRUNCATE refused)' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
	FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_no_truncate"();--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "erasure" text DEFAULT 'anonymise' NOT NULL;
--> statement-breakpoint
-- Provider budgets: token buckets shared by every process (see src/store/provider-budgets.ts).
CREATE TABLE "provider_budgets" (
	"key" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"used" bigint DEFAULT 0 NOT NULL,
	"delayed" bigint DEFAULT 0 NOT NULL
);
