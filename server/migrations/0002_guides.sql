-- Guidance articles (data/guides/<lang>/<slug>.md), rendered to HTML when loaded.
CREATE TABLE guide (
    slug TEXT NOT NULL,
    lang TEXT NOT NULL,
    position INTEGER NOT NULL,
    doc BLOB NOT NULL,
    PRIMARY KEY (slug, lang)
) STRICT;
