-- Who checked the facts (checked_by): a doc stored before the field existed gets it. What came from data/
-- (also when a moderator edited it since) was read on public pages; what an organizer sent through the form
-- was stated by that organizer. `kring load` writes the data files' own value again.
UPDATE listing
SET doc = CAST(json_set(CAST(doc AS TEXT), '$.checked_by',
                        CASE origin WHEN 'submitted' THEN 'organizer' ELSE 'public_source' END) AS BLOB)
WHERE json_extract(CAST(doc AS TEXT), '$.checked_by') IS NULL;

UPDATE organization
SET doc = CAST(json_set(CAST(doc AS TEXT), '$.checked_by',
                        CASE origin WHEN 'data' THEN 'public_source' ELSE 'organizer' END) AS BLOB)
WHERE json_extract(CAST(doc AS TEXT), '$.checked_by') IS NULL;

UPDATE crisis_line
SET doc = CAST(json_set(CAST(doc AS TEXT), '$.checked_by', 'public_source') AS BLOB)
WHERE json_extract(CAST(doc AS TEXT), '$.checked_by') IS NULL;
