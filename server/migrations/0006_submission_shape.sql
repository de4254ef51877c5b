-- Which shape a submission's doc has, so that the moderators can still read what an older form sent
-- (server/inbox.py reads each): 1, the first form (how often and when in words); 2, meetings row by row.
ALTER TABLE submission ADD COLUMN shape INTEGER NOT NULL DEFAULT 1;
