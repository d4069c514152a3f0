-- Webhook events handed over by producers (session, reporting) through the internal
-- AuthService.PublishWebhookEvent: one row per event id, so that a repeated hand-over stores
-- nothing new, not even a delivery to a webhook created since the first one. Written in the
-- fan-out's transaction, before its delivery rows.
CREATE TABLE questionnaire.webhook_events (
  tenant_id    text        NOT NULL,
  event_id     text        NOT NULL,
  event_type   text        NOT NULL,
  create_time  timestamptz NOT NULL,
  receive_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);

ALTER TABLE questionnaire.webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.webhook_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.webhook_events
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT ON questionnaire.webhook_events TO lagom_app;
  END IF;
END
$$;
