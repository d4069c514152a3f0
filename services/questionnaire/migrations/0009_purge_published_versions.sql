-- A tenant's purge deletes its published and deprecated model versions too. The trigger that
-- keeps published versions immutable refused every DELETE of one, so purge_tenant() failed for
-- any tenant with a published model of its own, and a forced DeleteTenant never finished.
-- Deleting one is still refused to everyone but the tables' owner: purge_tenant() runs as the
-- owner (SECURITY DEFINER), the services' role never does.
CREATE OR REPLACE FUNCTION questionnaire.model_versions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.state <> 'DRAFT' AND current_user::regrole <> (
        SELECT c.relowner::regrole FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID) THEN
      RAISE EXCEPTION 'model version %/% is % and cannot be deleted', OLD.model_id, OLD.id,
        OLD.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.state <> 'DRAFT' AND (NEW.content_hash <> OLD.content_hash OR
      NOT (NEW.state = OLD.state OR (OLD.state = 'PUBLISHED' AND NEW.state = 'DEPRECATED'))) THEN
    RAISE EXCEPTION 'model version %/% is % and cannot change', OLD.model_id, OLD.id, OLD.state
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
