-- Sessions: the whole resource as serialized lagom.session.v1.Session, beside the columns
-- listing and the lifecycle need. Idempotent replies: the first reply to a mutation that
-- carried a request_id, so a retry gets it again.
CREATE TABLE session.sessions (
  tenant_id     text        NOT NULL,
  session_id    text        NOT NULL,
  version       bigint      NOT NULL,
  state         text        NOT NULL CHECK (state IN ('DRAFT', 'OPEN', 'CLOSED', 'ARCHIVED')),
  model_version text        NOT NULL,
  body          bytea       NOT NULL,
  create_time   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, session_id)
);
-- ListSessions: newest first within a tenant and state.
CREATE INDEX sessions_by_state_and_time
  ON session.sessions (tenant_id, state, create_time DESC, session_id DESC);

CREATE TABLE session.idempotent_requests (
  tenant_id   text        NOT NULL,
  request_id  text        NOT NULL,
  method      text        NOT NULL,
  request     bytea       NOT NULL,
  reply       bytea       NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, request_id)
);

ALTER TABLE session.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE session.sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session.sessions
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

ALTER TABLE session.idempotent_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE session.idempotent_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session.idempotent_requests
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON session.sessions, session.idempotent_requests
      TO lagom_app;
  END IF;
END $$;
