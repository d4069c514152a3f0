-- Participants, rounds, the pinned model content, the answer journal, the final answer set
-- recorded at close, and the outbox of events other services consume (session.closed).
CREATE TABLE session.pinned_models (
  tenant_id    text  NOT NULL,
  session_id   text  NOT NULL,
  content_hash text  NOT NULL,
  content      bytea NOT NULL,  -- serialized lagom.questionnaire.v1.ModelContent
  PRIMARY KEY (tenant_id, session_id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES session.sessions ON DELETE CASCADE
);

CREATE TABLE session.participants (
  tenant_id      text        NOT NULL,
  session_id     text        NOT NULL,
  participant_id text        NOT NULL,
  version        bigint      NOT NULL,
  principal      text        NOT NULL DEFAULT '',
  body           bytea       NOT NULL,  -- serialized lagom.session.v1.Participant
  create_time    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, session_id, participant_id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES session.sessions ON DELETE CASCADE
);
CREATE INDEX participants_by_principal
  ON session.participants (tenant_id, session_id, principal) WHERE principal <> '';

CREATE TABLE session.rounds (
  tenant_id  text    NOT NULL,
  session_id text    NOT NULL,
  number     integer NOT NULL,
  body       bytea   NOT NULL,  -- serialized lagom.session.v1.Round
  PRIMARY KEY (tenant_id, session_id, number),
  FOREIGN KEY (tenant_id, session_id) REFERENCES session.sessions ON DELETE CASCADE
);

-- The answer journal: one row per (participant, item, round). A withdrawn answer stays as a
-- tombstone (withdrawn = true) so the live state can be rebuilt exactly; seq orders every
-- change of the tenant's answers (the live state keeps the highest seq it has seen).
CREATE SEQUENCE session.answer_seq;
CREATE TABLE session.answers (
  tenant_id      text        NOT NULL,
  session_id     text        NOT NULL,
  participant_id text        NOT NULL,
  item_id        text        NOT NULL,
  round          integer     NOT NULL,
  seq            bigint      NOT NULL,
  withdrawn      boolean     NOT NULL DEFAULT false,
  body           bytea       NOT NULL,  -- serialized lagom.session.v1.Answer
  submit_time    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, session_id, participant_id, item_id, round),
  FOREIGN KEY (tenant_id, session_id, participant_id) REFERENCES session.participants
    ON DELETE CASCADE
);

-- The answers in force when the session closed (each item's latest round), kept as history.
CREATE TABLE session.final_answers (
  tenant_id      text    NOT NULL,
  session_id     text    NOT NULL,
  participant_id text    NOT NULL,
  item_id        text    NOT NULL,
  round          integer NOT NULL,
  body           bytea   NOT NULL,
  PRIMARY KEY (tenant_id, session_id, participant_id, item_id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES session.sessions ON DELETE CASCADE
);

-- Events for other services, written in the transaction that causes them and delivered by
-- the outbox relay until the consumer acknowledges (at least once; consumers deduplicate by
-- event_id).
CREATE TABLE session.outbox (
  event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id         text        NOT NULL,
  topic             text        NOT NULL,
  session_id        text        NOT NULL,
  payload           bytea       NOT NULL,
  create_time       timestamptz NOT NULL DEFAULT now(),
  attempts          integer     NOT NULL DEFAULT 0,
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  last_error        text        NOT NULL DEFAULT '',
  deliver_time      timestamptz
);
CREATE INDEX outbox_pending ON session.outbox (next_attempt_time) WHERE deliver_time IS NULL;

-- Invitations become resources: revocation time, last use, a recognisable prefix, a version
-- for etags.
ALTER TABLE session.invitations
  ADD COLUMN version       bigint      NOT NULL DEFAULT 1,
  ADD COLUMN token_prefix  text        NOT NULL DEFAULT '',
  ADD COLUMN revoke_time   timestamptz,
  ADD COLUMN last_use_time timestamptz;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['pinned_models', 'participants', 'rounds', 'answers',
                           'final_answers', 'outbox'] LOOP
    EXECUTE format('ALTER TABLE session.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE session.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON session.%I'
                   ' USING (tenant_id = current_setting(''lagom.tenant_id'', true))'
                   ' WITH CHECK (tenant_id = current_setting(''lagom.tenant_id'', true))', t);
  END LOOP;
END $$;
-- The relay delivers every tenant's events: as the operator it sees (and may mark) the
-- outbox rows only, never the tenant's other data.
CREATE POLICY operator_relay ON session.outbox
  USING (current_setting('lagom.operator', true) = 'on');

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON session.pinned_models, session.participants,
      session.rounds, session.answers, session.final_answers, session.outbox TO lagom_app;
    GRANT USAGE ON SEQUENCE session.answer_seq TO lagom_app;
  END IF;
END $$;
