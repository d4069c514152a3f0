-- When each figure's scorecard was recorded. A benchmark shows peers' figures as of the start
-- of the current day (UTC): a scorecard counts once it was both closed and recorded before it,
-- so one recorded during the day, however long ago its session closed, changes nothing until
-- the next day. Figures recorded before this column existed have none and count as recorded
-- long ago. Nullable without a default: adding it rewrites nothing.
ALTER TABLE reporting.area_figures ADD COLUMN record_time timestamptz;
