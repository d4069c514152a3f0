-- (Version 7 was a migration withdrawn in the commit after it landed; a database that applied
-- it keeps its record, so its number is not used again.)
-- A tenant's data, counted and deleted when the hosting operator deletes the tenant
-- (DeleteTenant; this service answers TenantDataService, common/tenant_data.h). Both
-- functions act on the tenant the transaction is set to (lagom.tenant_id) and refuse to run
-- without one. purge_tenant runs as the tables' owner, so the services' role needs no right
-- to delete it otherwise lacks; row-level security still applies to it (FORCE), and its
-- WHERE names the tenant as well. A migration that adds a table with tenant rows replaces
-- purge_tenant to delete them too (TenantDataProcessTest finds any table left holding rows).
CREATE FUNCTION session.tenant_data() RETURNS TABLE (kind text, records bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM (
    SELECT 'sessions', count(*) FROM session.sessions
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
    UNION ALL
    SELECT 'participants', count(*) FROM session.participants
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
    UNION ALL
    SELECT 'answers', count(*) FROM session.answers
      WHERE tenant_id = current_setting('lagom.tenant_id', true)
  ) AS c (kind, records) WHERE c.records > 0
$$;

CREATE FUNCTION session.purge_tenant() RETURNS TABLE (kind text, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
  tbl text;
  n bigint;
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'session.purge_tenant(): no tenant set (lagom.tenant_id)';
  END IF;
  -- Rows that others refer to last.
  FOREACH tbl IN ARRAY ARRAY['answers', 'final_answers', 'rounds', 'pinned_models',
                             'participants', 'invitations', 'outbox', 'idempotent_requests',
                             'sessions'] LOOP
    EXECUTE format('DELETE FROM session.%I WHERE tenant_id = $1', tbl) USING tenant;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
      kind := tbl;
      deleted := n;
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;

REVOKE ALL ON FUNCTION session.tenant_data(), session.purge_tenant() FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT EXECUTE ON FUNCTION session.tenant_data(), session.purge_tenant() TO lagom_app;
  END IF;
END
$$;
