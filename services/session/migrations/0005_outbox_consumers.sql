-- Each consumer of the outbox gets its own rows (issue 8): the transaction that closes a
-- session writes session.closed once for the scoring service and once for webhooks (handed to
-- the questionnaire service), and the one that opens it writes session.opened for webhooks. A
-- relay per consumer claims only its rows, so a consumer that fails never holds up, or makes
-- the other repeat, the other's events. Rows written before this migration are scoring's.
ALTER TABLE session.outbox
  ADD COLUMN consumer text NOT NULL DEFAULT 'scoring' CHECK (consumer IN ('scoring', 'webhooks'));
ALTER TABLE session.outbox ALTER COLUMN consumer DROP DEFAULT;
DROP INDEX session.outbox_pending;
CREATE INDEX outbox_pending ON session.outbox (consumer, next_attempt_time)
  WHERE deliver_time IS NULL;
