-- Webhooks (issue 8; design in services/questionnaire/webhooks/webhook_core.h): the tenant's
-- endpoints, and one delivery row per event and endpoint, which is both the outbox the delivery
-- worker works through and the delivery log tenant admins read.

-- The secret is stored as is (signing needs it) and shown to the tenant once, at creation.
CREATE TABLE questionnaire.webhooks (
  tenant_id     text        NOT NULL,
  webhook_id    text        NOT NULL,
  url           text        NOT NULL,
  event_types   text[]      NOT NULL,
  display_name  text        NOT NULL DEFAULT '',
  state         text        NOT NULL CHECK (state IN ('ACTIVE')),
  secret        text        NOT NULL,
  secret_prefix text        NOT NULL,
  creator       text        NOT NULL,
  create_time   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, webhook_id)
);

-- payload is the exact JSON body, so every attempt signs the same bytes.
CREATE TABLE questionnaire.webhook_deliveries (
  delivery_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id         text        NOT NULL,
  webhook_id        text        NOT NULL,
  event_id          text        NOT NULL,
  event_type        text        NOT NULL,
  payload           text        NOT NULL,
  state             text        NOT NULL CHECK (state IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  create_time       timestamptz NOT NULL,
  attempts          integer     NOT NULL DEFAULT 0,
  last_status_code  integer     NOT NULL DEFAULT 0,
  last_error        text        NOT NULL DEFAULT '',
  last_attempt_time timestamptz,
  next_attempt_time timestamptz NOT NULL,
  UNIQUE (tenant_id, webhook_id, event_id),
  FOREIGN KEY (tenant_id, webhook_id) REFERENCES questionnaire.webhooks ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due
  ON questionnaire.webhook_deliveries (next_attempt_time) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_newest_first
  ON questionnaire.webhook_deliveries (tenant_id, webhook_id, delivery_id DESC);

ALTER TABLE questionnaire.webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.webhooks
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

ALTER TABLE questionnaire.webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.webhook_deliveries
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));
-- The delivery worker serves every tenant: as the operator it sees (and stamps) the delivery
-- rows only; it reads each endpoint's url and secret inside that endpoint's tenant.
CREATE POLICY operator_delivery ON questionnaire.webhook_deliveries
  USING (current_setting('lagom.operator', true) = 'on');

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE
      ON questionnaire.webhooks, questionnaire.webhook_deliveries TO lagom_app;
  END IF;
END
$$;
