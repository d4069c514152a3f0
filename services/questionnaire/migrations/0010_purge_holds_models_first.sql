-- A tenant's purge holds the tenant's models before it deletes anything. Writers hold a model
-- (FOR NO KEY UPDATE) before they create or change its versions; the purge deleted the
-- versions first and the models last, so a purge that met a write under way could hold a
-- version the writer was about to change while waiting for the model the writer held, and
-- PostgreSQL ended one of them as a deadlock. Now the purge waits for writes under way to
-- finish, and writes after it find no model. Otherwise as in 0007.
CREATE OR REPLACE FUNCTION questionnaire.purge_tenant() RETURNS TABLE (kind text, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
  tbl text;
  n bigint;
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'questionnaire.purge_tenant(): no tenant set (lagom.tenant_id)';
  END IF;
  PERFORM FROM questionnaire.models WHERE tenant_id = tenant ORDER BY id FOR UPDATE;
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
