-- Scorecard history. Each recorded scorecard is kept whole (serialized
-- lagom.scoring.v1.Scorecard) beside the columns history queries filter on, and its figures
-- are kept once more, one row per area (by lineage) and group, so trends, comparisons and
-- benchmarks never parse stored scorecards. Recorded scorecards are immutable: the services'
-- role may insert and read them, never change or delete them.
CREATE TABLE reporting.scorecards (
  tenant_id              text        NOT NULL,
  scorecard_id           text        NOT NULL,
  session                text        NOT NULL,
  model                  text        NOT NULL,
  model_version          text        NOT NULL,
  content_hash           text        NOT NULL,
  close_time             timestamptz NOT NULL,
  score_time             timestamptz,
  create_time            timestamptz NOT NULL,
  services               text[]      NOT NULL,
  customer_organizations text[]      NOT NULL,
  summary                bytea       NOT NULL,  -- the scorecard without figures, for listings
  body                   bytea       NOT NULL,
  PRIMARY KEY (tenant_id, scorecard_id),
  -- One scorecard per session: concurrent recordings of a session store one.
  UNIQUE (tenant_id, session)
);
-- ListScorecards (newest first) and StreamScorecards (oldest first).
CREATE INDEX scorecards_by_close_time
  ON reporting.scorecards (tenant_id, close_time DESC, scorecard_id DESC);
-- Selector filters on a service or customer organisation (names carry the tenant).
CREATE INDEX scorecards_by_service ON reporting.scorecards USING gin (services);
CREATE INDEX scorecards_by_organization ON reporting.scorecards USING gin (customer_organizations);

CREATE TABLE reporting.area_figures (
  tenant_id                     text             NOT NULL,
  scorecard_id                  text             NOT NULL,
  area_lineage_id               text             NOT NULL,
  area_id                       text             NOT NULL,
  position                      integer          NOT NULL,  -- the area's order in its scorecard
  group_kind                    text             NOT NULL
    CHECK (group_kind IN ('PROVIDER', 'ALL_CUSTOMERS', 'CUSTOMER_ORGANIZATION')),
  customer_organization         text             NOT NULL DEFAULT '',
  score                         double precision,
  low_confidence                boolean          NOT NULL,
  gap_to_target                 double precision,
  good_enough_status            text             NOT NULL,
  perception_gap                double precision,  -- provider vs this customer group
  perception_gap_low_confidence boolean          NOT NULL,
  -- Copied from the scorecard so a trend reads its newest points per area from one index.
  model                         text             NOT NULL,
  model_version                 text             NOT NULL,
  close_time                    timestamptz      NOT NULL,
  PRIMARY KEY (tenant_id, scorecard_id, group_kind, customer_organization, area_lineage_id),
  FOREIGN KEY (tenant_id, scorecard_id) REFERENCES reporting.scorecards
);
-- GetTrend: for each area of one group, the most recent points first. With 10,000
-- scorecards of a tenant a series reads max_points index entries, not the whole history.
CREATE INDEX area_figures_trend
  ON reporting.area_figures (tenant_id, group_kind, customer_organization, area_lineage_id,
                             close_time DESC, scorecard_id DESC);
-- GetBenchmark: each tenant's latest figure per area of one model and group kind.
CREATE INDEX area_figures_benchmark
  ON reporting.area_figures (model, group_kind, area_lineage_id, tenant_id, close_time DESC)
  WHERE customer_organization = '';

-- Each tenant's TenantSettings.benchmark_opt_in as last read from the questionnaire service.
CREATE TABLE reporting.benchmark_participants (
  tenant_id text        PRIMARY KEY,
  opt_in    boolean     NOT NULL,
  seen_time timestamptz NOT NULL
);

CREATE TABLE reporting.idempotent_requests (
  tenant_id   text        NOT NULL,
  request_id  text        NOT NULL,
  method      text        NOT NULL,
  request     bytea       NOT NULL,
  reply       bytea       NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, request_id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['scorecards', 'area_figures', 'benchmark_participants',
                           'idempotent_requests'] LOOP
    EXECUTE format('ALTER TABLE reporting.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE reporting.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON reporting.%I'
                   ' USING (tenant_id = current_setting(''lagom.tenant_id'', true))'
                   ' WITH CHECK (tenant_id = current_setting(''lagom.tenant_id'', true))', t);
  END LOOP;
END $$;
-- Benchmarks are the one cross-tenant read. As the operator, reporting may read who opted in
-- and the figures of those tenants only, never a scorecard, never a figure of a tenant that
-- did not opt in, and it may write nothing.
CREATE POLICY operator_benchmark ON reporting.benchmark_participants FOR SELECT
  USING (current_setting('lagom.operator', true) = 'on');
CREATE POLICY operator_benchmark ON reporting.area_figures FOR SELECT
  USING (current_setting('lagom.operator', true) = 'on'
         AND EXISTS (SELECT FROM reporting.benchmark_participants p
                     WHERE p.tenant_id = area_figures.tenant_id AND p.opt_in));

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT USAGE ON SCHEMA reporting TO lagom_app;
    GRANT SELECT, INSERT ON reporting.scorecards, reporting.area_figures TO lagom_app;
    GRANT SELECT, INSERT, UPDATE ON reporting.benchmark_participants TO lagom_app;
    GRANT SELECT, INSERT, DELETE ON reporting.idempotent_requests TO lagom_app;
  END IF;
END $$;
