-- Ids of the Kafka messages a consumer group has handled, written in the same
-- transaction as the handler's effects (runConsumer with `database`): a
-- redelivered message finds its id here and is skipped. Purged after 14 days.
CREATE TABLE consumed_messages (
  consumer_group  text        NOT NULL,
  message_id      text        NOT NULL,
  topic           text        NOT NULL,
  partition       integer     NOT NULL,
  "offset"        text        NOT NULL,
  consumed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, message_id)
);
CREATE INDEX consumed_messages_consumed_at ON consumed_messages (consumed_at);
