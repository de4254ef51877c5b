-- Open data: when a listing last changed (HSDS last_modified, the API's modified_after), and for an imported
-- listing the feed it came from and its id there, so that importing the same feed again updates it.
ALTER TABLE listing ADD COLUMN modified TEXT NOT NULL DEFAULT '';
ALTER TABLE listing ADD COLUMN feed TEXT NOT NULL DEFAULT '';
ALTER TABLE listing ADD COLUMN feed_id TEXT NOT NULL DEFAULT '';
UPDATE listing SET modified = last_checked || 'T00:00:00Z' WHERE modified = '';
CREATE UNIQUE INDEX listing_feed ON listing (feed, feed_id) WHERE feed != '';
CREATE INDEX listing_modified ON listing (modified);
