CREATE TABLE IF NOT EXISTS common_test.items (
  tenant_id text NOT NULL,
  id text NOT NULL,
  body text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, id)
);
