-- Responses of writes made with an Idempotency-Key, kept for replay.
-- Created in every service schema that accepts writes.
CREATE TABLE idempotency_keys (
  principal       text        NOT NULL,
  key             text        NOT NULL,
  request_hash    text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('in_flight', 'done')),
  response_status integer,
  response_body   jsonb,
  locked_until    timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
