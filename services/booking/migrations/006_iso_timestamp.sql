-- A time as JavaScript's toISOString() writes it (UTC, milliseconds), as every
-- message time is: for messages a statement finishes itself from the rows it
-- writes (messages.ts, outboxInsertFrom), such as a hold's expiry.
CREATE FUNCTION iso_timestamp(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
