-- Where an imported fact was read from: 'page:<file name>' for a "Making Of" page, 'file' for JSON or CSV;
-- NULL for members' facts and for facts imported before this column existed (origin unknown). A page read
-- again corrects the facts it put there in place (and those of unknown origin, so an upgrade can fix what
-- an older reading got wrong); facts from JSON, CSV or another page it only fills gaps in.
ALTER TABLE facts ADD COLUMN imported_from TEXT;
CREATE INDEX facts_by_page ON facts (imported_from) WHERE imported_from LIKE 'page:%';
