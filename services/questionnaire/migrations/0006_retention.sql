-- Retention (common/retention.h): each replica's sweep deletes, as the operator, kept replies
-- older than --kept_reply_retention of every tenant.
-- The operator sees a kept reply only once it is an hour old (a retry may still come for a
-- younger one), and nothing else of the tenant's.
CREATE INDEX idempotent_requests_by_age ON questionnaire.idempotent_requests USING brin (create_time);
CREATE POLICY operator_retention_read ON questionnaire.idempotent_requests FOR SELECT
  USING (current_setting('lagom.operator', true) = 'on' AND create_time < now() - interval '1 hour');
CREATE POLICY operator_retention_delete ON questionnaire.idempotent_requests FOR DELETE
  USING (current_setting('lagom.operator', true) = 'on' AND create_time < now() - interval '1 hour');
