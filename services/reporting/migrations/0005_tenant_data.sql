-- A tenant's data, counted and deleted when the hosting operator deletes the tenant
-- (DeleteTenant; this service answers TenantDataService, common/tenant_data.h): see
-- session's 0008_tenant_data.sql. Scorecards stay append-only for the services' role: only
-- purge_tenant, running as the tables' owner, deletes them, and only the set tenant's.
CREATE FUNCTION reporting.tenant_data() RETURNS TABLE (kind text, records bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM (
    SELECT 'scorecards', count(*) FROM reporting.scorecards
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
  ) AS c (kind, records) WHERE c.records > 0
$$;

CREATE FUNCTION reporting.purge_tenant() RETURNS TABLE (kind text, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
  tbl text;
  n bigint;
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'reporting.purge_tenant(): no tenant set (lagom.tenant_id)';
  END IF;
  -- Rows that others refer to last.
  FOREACH tbl IN ARRAY ARRAY['area_figures', 'scorecards', 'benchmark_participants', 'outbox',
                             'idempotent_requests'] LOOP
    EXECUTE format('DELETE FROM reporting.%I WHERE tenant_id = $1', tbl) USING tenant;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
      kind := tbl;
      deleted := n;
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION reporting.tenant_data(), reporting.purge_tenant() FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT EXECUTE ON FUNCTION reporting.tenant_data(), reporting.purge_tenant() TO lagom_app;
  END IF;
END
$$;
