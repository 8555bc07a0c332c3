-- Push notifications name their channel (Graph subscription id, Google channel id): the intake finds the calendar by
-- it on every notification, so the lookup must not scan every calendar's sync state.
CREATE INDEX IF NOT EXISTS "calendar_sync_states_channel_id_idx" ON "calendar_sync_states" (("channel"->>'id'));
