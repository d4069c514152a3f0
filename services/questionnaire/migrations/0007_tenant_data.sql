-- Deleting a tenant with its data (DeleteTenant with force). The tenant's row turns DELETED
-- and, in the same transaction, one tenant.purge event per service that keeps the tenant's
-- data is written to this outbox: "questionnaire" (this service's own tables, deleted by its
-- own relay), "session" and "reporting" (handed to their TenantDataService.PurgeTenantData).
-- The outbox has the shape of session.outbox; its subject is the tenant's name.
CREATE TABLE questionnaire.outbox (
  event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id         text        NOT NULL,
  consumer          text        NOT NULL
                                CHECK (consumer IN ('questionnaire', 'session', 'reporting')),
  topic             text        NOT NULL,
  tenant            text        NOT NULL,
  payload           bytea       NOT NULL,
  create_time       timestamptz NOT NULL DEFAULT now(),
  attempts          integer     NOT NULL DEFAULT 0,
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  last_error        text        NOT NULL DEFAULT '',
  deliver_time      timestamptz
);
CREATE INDEX outbox_pending ON questionnaire.outbox (consumer, next_attempt_time)
  WHERE deliver_time IS NULL;

ALTER TABLE questionnaire.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.outbox
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));
-- DeleteTenant (the operator's transaction) writes the events; the relays hand over every
-- tenant's, and retention deletes delivered ones: as the operator, which sees the outbox
-- rows only, never the tenant's other data.
CREATE POLICY operator_relay ON questionnaire.outbox
  USING (current_setting('lagom.operator', true) = 'on');

-- What this service keeps of the tenant the transaction is set to, counted and deleted (see
-- session's 0008_tenant_data.sql). The tenant's row, its audit log and this outbox stay: the
-- operator's record that the tenant existed and was deleted, and by whom.
CREATE FUNCTION questionnaire.tenant_data() RETURNS TABLE (kind text, records bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM (
    SELECT 'models', count(*) FROM questionnaire.models
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
    UNION ALL
    SELECT 'customer_organizations', count(*) FROM questionnaire.catalog_resources
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
        AND kind = 'customer_organization'
    UNION ALL
    SELECT 'services', count(*) FROM questionnaire.catalog_resources
      WHERE tenant_id = current_setting('lagom.tenant_id', true) AND kind = 'service'
    UNION ALL
    SELECT 'webhooks', count(*) FROM questionnaire.webhooks
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
  ) AS c (kind, records) WHERE c.records > 0
$$;

CREATE FUNCTION questionnaire.purge_tenant() RETURNS TABLE (kind text, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
  tbl text;
  n bigint;
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'questionnaire.purge_tenant(): no tenant set (lagom.tenant_id)';
  END IF;
  -- Rows that others refer to last.
  FOREACH tbl IN ARRAY ARRAY['model_versions', 'models', 'catalog_resources', 'webhook_deliveries',
                             'webhooks', 'webhook_events', 'role_bindings', 'api_keys',
                             'tenant_settings', 'idempotent_requests'] LOOP
    EXECUTE format('DELETE FROM questionnaire.%I WHERE tenant_id = $1', tbl) USING tenant;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
      kind := tbl;
      deleted := n;
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION questionnaire.tenant_data(), questionnaire.purge_tenant() FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON questionnaire.outbox TO lagom_app;
    GRANT EXECUTE ON FUNCTION questionnaire.tenant_data(), questionnaire.purge_tenant()
      TO lagom_app;
  END IF;
END
$$;
