-- PostgreSQL twin of migrations/0004_fact_pages.sql.
ALTER TABLE facts ADD COLUMN imported_from TEXT;
CREATE INDEX facts_by_page ON facts (imported_from) WHERE imported_from LIKE 'page:%';
