-- Tenants, their settings, API keys, role bindings and audit log; and the second wall of
-- tenant isolation: every questionnaire table has FORCE ROW LEVEL SECURITY, so even the
-- tables' owner sees only the rows of the tenant its transaction set with
-- set_config('lagom.tenant_id', ..., true), and nothing when none is set. The services connect
-- as lagom_app, which owns nothing, is not superuser and has no BYPASSRLS.

-- One row per tenant. The hosting operator (lagom.operator = 'on') provisions and lists
-- tenants; a tenant's own transactions may read their own row only.
CREATE TABLE questionnaire.tenants (
  id                text        PRIMARY KEY,
  version           bigint      NOT NULL,
  state             text        NOT NULL CHECK (state IN ('ACTIVE', 'SUSPENDED', 'DELETED')),
  body              bytea       NOT NULL,
  create_request_id text        NOT NULL DEFAULT '',
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL
);

CREATE TABLE questionnaire.tenant_settings (
  tenant_id   text        PRIMARY KEY,
  version     bigint      NOT NULL,
  body        bytea       NOT NULL,
  update_time timestamptz NOT NULL
);

-- Only the SHA-256 of a key's secret is kept; the secret is shown once, when it is issued.
CREATE TABLE questionnaire.api_keys (
  tenant_id                   text        NOT NULL,
  key_id                      text        NOT NULL,
  version                     bigint      NOT NULL,
  display_name                text        NOT NULL,
  role                        int         NOT NULL CHECK (role BETWEEN 1 AND 6),
  state                       text        NOT NULL CHECK (state IN ('ACTIVE', 'REVOKED')),
  secret_hash                 text        NOT NULL,
  secret_prefix               text        NOT NULL,
  previous_secret_hash        text        NOT NULL DEFAULT '',
  previous_secret_expire_time timestamptz,
  creator                     text        NOT NULL,
  create_time                 timestamptz NOT NULL,
  expire_time                 timestamptz,
  last_use_time               timestamptz,
  rotate_time                 timestamptz,
  revoke_time                 timestamptz,
  PRIMARY KEY (tenant_id, key_id)
);

-- One role per principal and resource ('' = the whole tenant).
CREATE TABLE questionnaire.role_bindings (
  tenant_id   text        NOT NULL,
  id          text        NOT NULL,
  version     bigint      NOT NULL,
  principal   text        NOT NULL,
  role        int         NOT NULL CHECK (role BETWEEN 1 AND 6),
  resource    text        NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, principal, resource)
);

-- Append-only: lagom_app may INSERT and SELECT, never UPDATE or DELETE (see the grants below).
CREATE TABLE questionnaire.audit_events (
  tenant_id       text        NOT NULL,
  id              text        NOT NULL,
  event_time      timestamptz NOT NULL,
  principal       text        NOT NULL,
  principal_role  text        NOT NULL,
  credential_kind text        NOT NULL,
  action          text        NOT NULL,
  method          text        NOT NULL,
  resource        text        NOT NULL,
  request_id      text        NOT NULL,
  origin          text        NOT NULL,
  detail          text        NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_newest_first
  ON questionnaire.audit_events (tenant_id, event_time DESC, id DESC);

-- Row-level security on every table, forced so that the owner is held to it too.
ALTER TABLE questionnaire.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_reads_itself ON questionnaire.tenants FOR SELECT
  USING (id = current_setting('lagom.tenant_id', true));
CREATE POLICY operator_provisions ON questionnaire.tenants
  USING (current_setting('lagom.operator', true) = 'on')
  WITH CHECK (current_setting('lagom.operator', true) = 'on');

ALTER TABLE questionnaire.tenant_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.tenant_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.tenant_settings
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

ALTER TABLE questionnaire.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.api_keys
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

ALTER TABLE questionnaire.role_bindings ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.role_bindings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.role_bindings
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

ALTER TABLE questionnaire.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.audit_events
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));

-- 0001's tables had RLS enabled but not forced.
ALTER TABLE questionnaire.catalog_resources FORCE ROW LEVEL SECURITY;
ALTER TABLE questionnaire.idempotent_requests FORCE ROW LEVEL SECURITY;

-- The services' role. Created by the deployment (tools/stack, the Helm chart) before the
-- migrations run; where it does not exist (a bare test database) there is nothing to grant.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT USAGE ON SCHEMA questionnaire TO lagom_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA questionnaire TO lagom_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON questionnaire.audit_events FROM lagom_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA questionnaire
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO lagom_app;
  END IF;
END
$$;
