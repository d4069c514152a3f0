-- Retention (common/retention.h): each replica's sweep deletes, as the operator, kept replies
-- older than --kept_reply_retention of every tenant, and delivered outbox events older
-- than --delivered_event_retention (the relay's policy admits the operator to the outbox).
-- The operator sees a kept reply only once it is an hour old (a retry may still come for a
-- younger one), and nothing else of the tenant's.
CREATE INDEX idempotent_requests_by_age ON reporting.idempotent_requests USING brin (create_time);
CREATE POLICY operator_retention_read ON reporting.idempotent_requests FOR SELECT
  USING (current_setting('lagom.operator', true) = 'on' AND create_time < now() - interval '1 hour');
CREATE POLICY operator_retention_delete ON reporting.idempotent_requests FOR DELETE
  USING (current_setting('lagom.operator', true) = 'on' AND create_time < now() - interval '1 hour');

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT DELETE ON reporting.outbox TO lagom_app;
  END IF;
END $$;
