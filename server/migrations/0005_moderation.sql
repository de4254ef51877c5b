-- Moderation: signed-in sessions, what moderators decided, and an audit log of every action.
-- A session is known by the SHA-256 of its cookie value, so a copy of the database opens no session.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    moderator TEXT NOT NULL REFERENCES moderator (name) ON DELETE CASCADE,
    created TEXT NOT NULL,
    seen TEXT NOT NULL
) STRICT;

-- The TOTP time step last accepted, so that a code is never accepted twice.
ALTER TABLE moderator ADD COLUMN last_step INTEGER NOT NULL DEFAULT 0;

ALTER TABLE submission ADD COLUMN decided TEXT NOT NULL DEFAULT '';
ALTER TABLE submission ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE submission ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE submission ADD COLUMN listing_id TEXT NOT NULL DEFAULT '';

ALTER TABLE report ADD COLUMN decided TEXT NOT NULL DEFAULT '';
ALTER TABLE report ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';

-- Organizations created by a moderator (for an approved group) survive `kring load`, like their groups.
ALTER TABLE organization ADD COLUMN origin TEXT NOT NULL DEFAULT 'data';

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    moderator TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_at ON audit (at);
CREATE INDEX submission_status ON submission (status, id);
CREATE INDEX report_status ON report (status, id);
