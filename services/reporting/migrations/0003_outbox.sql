-- Webhook events of recorded scorecards (issue 8): scorecard.ready and improvement.proposed
-- are written here in the transaction that first records a scorecard, and the outbox relay
-- hands them to the questionnaire service (AuthService.PublishWebhookEvent), at least once,
-- until it acknowledges. Same shape as session.outbox, one consumer per row.
CREATE TABLE reporting.outbox (
  event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id         text        NOT NULL,
  consumer          text        NOT NULL CHECK (consumer IN ('webhooks')),
  topic             text        NOT NULL,
  scorecard_id      text        NOT NULL,
  payload           bytea       NOT NULL,
  create_time       timestamptz NOT NULL DEFAULT now(),
  attempts          integer     NOT NULL DEFAULT 0,
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  last_error        text        NOT NULL DEFAULT '',
  deliver_time      timestamptz
);
CREATE INDEX outbox_pending ON reporting.outbox (consumer, next_attempt_time)
  WHERE deliver_time IS NULL;

ALTER TABLE reporting.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE reporting.outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reporting.outbox
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));
-- The relay hands over every tenant's events: as the operator it sees (and may mark) the
-- outbox rows only, never the tenant's other data.
CREATE POLICY operator_relay ON reporting.outbox
  USING (current_setting('lagom.operator', true) = 'on');

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT, UPDATE ON reporting.outbox TO lagom_app;
  END IF;
END $$;
