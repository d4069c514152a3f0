-- The tenant's customer organisations and IT service catalogue, owned by the questionnaire
-- service. Each row keeps the whole resource as serialized protobuf (body) plus the columns
-- that queries and constraints need.
CREATE SCHEMA IF NOT EXISTS questionnaire;

CREATE TABLE questionnaire.catalog_resources (
  tenant_id   text        NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('customer_organization', 'service')),
  id          text        NOT NULL,
  version     bigint      NOT NULL,
  external_id text,
  refs        text[]      NOT NULL DEFAULT '{}',
  body        bytea       NOT NULL,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, kind, id)
);
CREATE UNIQUE INDEX catalog_resources_external_id
  ON questionnaire.catalog_resources (tenant_id, kind, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX catalog_resources_refs ON questionnaire.catalog_resources USING gin (refs);

-- Replies to mutations that carried a request_id, so a retry gets the first reply.
CREATE TABLE questionnaire.idempotent_requests (
  tenant_id    text        NOT NULL,
  request_id   text        NOT NULL,
  method       text        NOT NULL,
  request      bytea       NOT NULL,
  reply        bytea       NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, request_id)
);

-- Row-level security, ready as a second wall: the policies match the tenant each transaction
-- sets with SET LOCAL lagom.tenant_id; with no tenant set nothing matches.
ALTER TABLE questionnaire.catalog_resources ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.catalog_resources
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));
ALTER TABLE questionnaire.idempotent_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON questionnaire.idempotent_requests
  USING (tenant_id = current_setting('lagom.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('lagom.tenant_id', true));
