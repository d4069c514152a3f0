-- Assessment models and their versions. A version row keeps the whole ModelVersion as
-- serialized protobuf (body); a published version's body is never rewritten except to mark it
-- DEPRECATED, and its content_hash never changes (enforced below as well as in code).
CREATE TABLE questionnaire.models (
  tenant_id           text        NOT NULL,
  id                  text        NOT NULL,
  version             bigint      NOT NULL,
  next_version_number bigint      NOT NULL,
  body                bytea       NOT NULL,
  create_time         timestamptz NOT NULL DEFAULT now(),
  update_time         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE questionnaire.model_versions (
  tenant_id    text        NOT NULL,
  model_id     text        NOT NULL,
  id           text        NOT NULL,
  seq          bigint      NOT NULL,
  version      bigint      NOT NULL,
  state        text        NOT NULL CHECK (state IN ('DRAFT', 'PUBLISHED', 'DEPRECATED')),
  content_hash text        NOT NULL DEFAULT '',
  body         bytea       NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  update_time  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, model_id, id),
  UNIQUE (tenant_id, model_id, seq),
  FOREIGN KEY (tenant_id, model_id) REFERENCES questionnaire.models (tenant_id, id)
    ON DELETE CASCADE
);
-- Other services look versions up by content hash (they cache by it).
CREATE INDEX model_versions_content_hash
  ON questionnaire.model_versions (tenant_id, content_hash) WHERE content_hash <> '';

-- Published versions are immutable: only PUBLISHED -> DEPRECATED, never a new hash, never
-- deleted. The core refuses all of this first; this is the second wall.
CREATE FUNCTION questionnaire.model_versions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.state <> 'DRAFT' THEN
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
CREATE TRIGGER model_versions_frozen BEFORE UPDATE OR DELETE ON questionnaire.model_versions
  FOR EACH ROW EXECUTE FUNCTION questionnaire.model_versions_frozen();

-- Row-level security, forced so that the owner is held to it too (see 0002).
ALTER TABLE questionnaire.models ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.models FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.models
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

ALTER TABLE questionnaire.model_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.model_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.model_versions
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

-- The services' role, where the deployment created it (see 0002).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON questionnaire.models, questionnaire.model_versions
      TO lagom_app;
  END IF;
END
$$;
