-- A tenant's purge holds the tenant's sessions in the order an answer batch holds the
-- sessions it writes to: by the ids' bytes (the session service sorts them so). 0010 sorted
-- them by the database's collation, which under a locale other than C orders some ids
-- differently ('a-z' and 'ab' under en_US), so a purge and a batch writing to two such
-- sessions could each hold one the other waits for. Otherwise as in 0010.
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
  PERFORM FROM session.sessions WHERE tenant_id = tenant ORDER BY session_id COLLATE "C"
    FOR UPDATE;
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
