-- Moderators: an argon2id password hash and a TOTP secret each; failed sign-ins lock with back-off.
CREATE TABLE moderator (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    totp_secret TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
) STRICT;
