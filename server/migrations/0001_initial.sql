-- The first schema: listings (the full record as JSON plus the columns queries need), their search
-- words (FTS5), organizations, crisis lines, places and a key/value table for the data version.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE organization (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    doc BLOB NOT NULL
) STRICT;

CREATE TABLE listing (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'data',
    last_checked TEXT NOT NULL,
    doc BLOB NOT NULL
) STRICT;

-- Each listing's normalised words (server/search.py), space-separated: FTS5 only has to find prefixes.
CREATE VIRTUAL TABLE listing_words USING fts5(
    words,
    tokenize='unicode61 remove_diacritics 0',
    prefix='1 2 3'
);

CREATE TABLE crisis_line (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    doc BLOB NOT NULL
) STRICT;

CREATE TABLE place (
    id TEXT PRIMARY KEY,
    country TEXT NOT NULL,
    name TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    names TEXT NOT NULL DEFAULT '{}'
) STRICT;
