-- A partner's lists are read a page at a time in their own order (events
-- soonest first, venues newest first, both then by id): one index each, so a
-- page costs about the same at the 100,000th event (imports make such
-- partners) as at the first. The events' end is in the index for the filter
-- on events still to end.
CREATE INDEX events_owner_starts ON events (owner_id, starts_at, id) INCLUDE (ends_at);
CREATE INDEX venues_owner_created ON venues (owner_id, created_at, id);
