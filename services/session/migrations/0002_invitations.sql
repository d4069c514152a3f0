-- Invitations: a respondent's invite token is scoped to one session, one participant and one
-- perspective. Only the SHA-256 of the token's secret is kept.
CREATE TABLE session.invitations (
  tenant_id     text        NOT NULL,
  invitation_id text        NOT NULL,
  session       text        NOT NULL,
  participant   text        NOT NULL,
  perspective   text        NOT NULL CHECK (perspective IN ('PROVIDER', 'CUSTOMER')),
  secret_sha256 text        NOT NULL,
  state         text        NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'REVOKED')),
  expire_time   timestamptz,
  create_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, invitation_id)
);

ALTER TABLE session.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE session.invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session.invitations
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

-- The services connect as lagom_app, which owns nothing and is subject to the policies above.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT USAGE ON SCHEMA session TO lagom_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA session TO lagom_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA session
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO lagom_app;
  END IF;
END $$;
