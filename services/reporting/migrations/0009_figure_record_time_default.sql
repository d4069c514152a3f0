-- A replica of the release before 0008, still recording during a rolling upgrade, does not
-- name record_time; without a default its figures would count as recorded long ago and join
-- the day's benchmark at once. Setting a default rewrites nothing; existing rows keep theirs.
ALTER TABLE reporting.area_figures ALTER COLUMN record_time SET DEFAULT now();
