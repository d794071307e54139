-- Nothing to do on SQLite: PRAGMA data_version already moves on every commit of another connection, and
-- the catalog's mark (CatalogRepository.change_mark) tells which were changes to what /trivia shows.
-- Numbered to keep both engines' migrations in step (PostgreSQL adds triggers here).
SELECT 1;
