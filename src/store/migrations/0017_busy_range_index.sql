-- The availability read (src/store/host-availability.ts) asks each host's busy time that overlaps the requested
-- window. The (host_id, start_at) btree bounds only its end (start_at < to): every row from the host's oldest up to
-- the window's end was read and filtered. This GiST index on the interval bounds both ends (&&), and holds only the
-- rows availability serves (not staged, not our own bookings' copies, not rooms, not zero-length).
CREATE INDEX IF NOT EXISTS "busy_intervals_host_range_idx" ON "busy_intervals"
  USING gist ("host_id", tstzrange("start_at", "end_at"))
  WHERE NOT "staged" AND "booking_id" IS NULL AND "resource" IS NULL AND "end_at" > "start_at";
