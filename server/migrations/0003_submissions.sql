-- What organizers and visitors send: new groups and reports of a change, waiting for a moderator.
CREATE TABLE submission (
    id INTEGER PRIMARY KEY,
    received TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    doc BLOB NOT NULL
) STRICT;

CREATE TABLE report (
    id INTEGER PRIMARY KEY,
    received TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending'
) STRICT;
