-- A purged tenant stays purged. Scorecards are recorded by the scoring service acting for a
-- tenant, not by the tenant's own credentials (which stop working when it is deleted), so a
-- close scored late could record a scorecard after purge_tenant() ran, and nothing would ever
-- delete it. purge_tenant() now leaves the tenant's id in purged_tenants, and RecordScorecard
-- asks tenant_purged() before it writes anything.
--
-- The two take one advisory lock on the tenant (shared by recordings, exclusive for the
-- purge): a purge waits for the recordings already under way and then deletes what they
-- stored, and a recording that waited for a purge sees its mark, since each statement of a
-- plpgsql function reads what was committed when it starts.
CREATE TABLE reporting.purged_tenants (
  tenant_id  text        PRIMARY KEY,
  purge_time timestamptz NOT NULL DEFAULT now()
);
-- Only the two functions below, running as the owner, read or write it.

CREATE FUNCTION reporting.tenant_purged() RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'reporting.tenant_purged(): no tenant set (lagom.tenant_id)';
  END IF;
  PERFORM pg_advisory_xact_lock_shared(hashtext('reporting.purge'), hashtext(tenant));
  RETURN EXISTS (SELECT FROM reporting.purged_tenants p WHERE p.tenant_id = tenant);
END
$$;

CREATE OR REPLACE FUNCTION reporting.purge_tenant() RETURNS TABLE (kind text, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
  tbl text;
  n bigint;
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'reporting.purge_tenant(): no tenant set (lagom.tenant_id)';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('reporting.purge'), hashtext(tenant));
  INSERT INTO reporting.purged_tenants (tenant_id) VALUES (tenant) ON CONFLICT DO NOTHING;
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

REVOKE ALL ON FUNCTION reporting.tenant_purged() FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT EXECUTE ON FUNCTION reporting.tenant_purged() TO lagom_app;
  END IF;
END
$$;
