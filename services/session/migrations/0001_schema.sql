-- The session service's own schema: sessions, participants, invitations, the answer journal
-- and the outbox live here as they are built.
CREATE SCHEMA IF NOT EXISTS session;
