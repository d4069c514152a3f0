-- A tenant's purge holds the tenant's sessions before it deletes anything. Writers hold a
-- session (FOR SHARE or FOR UPDATE) before they change its participants, rounds or answers;
-- the purge deleted those children first and the sessions last, so a purge that met a write
-- under way could hold a participant or an answer the writer was about to change while
-- waiting for the session the writer held, and PostgreSQL ended one of them as a deadlock.
-- Now the purge waits for writes under way to finish, and writes after it find no session.
-- Otherwise as in 0008.
CREATE OR REPLACE FUNCTION session.purge_tenant() RETURNS TABLE (kind text, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tenant text := current_setting('lagom.tenant_id', true);
  tbl text;
  n bigint;
BEGIN
  IF tenant IS NULL OR tenant = '' THEN
    RAISE EXCEPTION 'session.purge_tenant(): no tenant set (lagom.tenant_id)';
  END IF;
  PERFORM FROM session.sessions WHERE tenant_id = tenant ORDER BY session_id FOR UPDATE;
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
