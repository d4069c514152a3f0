-- Invitations name their session rather than reference it, and deleting a session used to
-- leave them behind: a deleted session's tokens then worked again, in a new session given
-- the same id too. Deleting a session now deletes its invitations, and token checks require
-- the session; this removes what earlier deletions left. (The table's policies would show the
-- owner nothing, so they are lifted for this one statement.)
ALTER TABLE session.invitations NO FORCE ROW LEVEL SECURITY;
DELETE FROM session.invitations i
 WHERE NOT EXISTS (
   SELECT FROM session.sessions s
    WHERE s.tenant_id = i.tenant_id AND s.session_id = split_part(i.session, '/', 4)
      AND i.session = 'tenants/' || s.tenant_id || '/sessions/' || s.session_id);
ALTER TABLE session.invitations FORCE ROW LEVEL SECURITY;
