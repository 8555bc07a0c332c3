-- The database itself refuses double bookings: two active rows of one host may not have overlapping blocked ranges
-- (the booking's time widened by its buffers). Ranges are half-open, so back-to-back bookings are fine. A lost
-- race surfaces as SQLSTATE 23P01, which the API answers with 409 slot_taken.
ALTER TABLE "booking_hosts"
  ADD CONSTRAINT "booking_hosts_no_overlap"
  EXCLUDE USING gist ("host_id" WITH =, "blocked" WITH &&) WHERE ("active");
--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_end_after_start" CHECK ("end_at" > "start_at");
--> statement-breakpoint
ALTER TABLE "busy_intervals" ADD CONSTRAINT "busy_intervals_end_not_before_start" CHECK ("end_at" >= "start_at");
