-- btree_gist lets an exclusion constraint combine equality on host_id with overlap on a tstzrange: the bookings
-- tables rely on it so that the database itself refuses double bookings. PGlite loads it at every open.
CREATE EXTENSION IF NOT EXISTS btree_gist;
