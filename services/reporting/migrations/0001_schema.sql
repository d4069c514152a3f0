-- The reporting service's own schema: scorecard history and rendered reports live here as
-- they are built.
CREATE SCHEMA IF NOT EXISTS reporting;
