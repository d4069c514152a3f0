-- Who made the first request under a request_id (docs/api.md: a request_id belongs to the
-- caller who sent it first): the caller's credential kind, subject and participant,
-- serialized. Kept beside the request's fingerprint rather than in it, so that a release
-- before this one (during a rolling upgrade, or after a rollback) still matches a retry of the
-- same request as it did, and a reply kept by it (no caller: '') answers the same request from
-- anyone, as it did. A constant default adds the column without rewriting the table.
ALTER TABLE questionnaire.idempotent_requests ADD COLUMN caller bytea NOT NULL DEFAULT '';
