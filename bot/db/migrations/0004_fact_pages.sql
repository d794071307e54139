-- Which "Making Of" page a fact was read from (its file name), so importing a page again after its reading
-- changed updates that page's facts in place rather than adding copies. NULL: read from JSON/CSV, submitted
-- by a member, or imported before this column existed.
ALTER TABLE facts ADD COLUMN page TEXT;
