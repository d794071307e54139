-- Other processes learn of every change to what /trivia shows, not only to titles: a fact added to a
-- film, edited, deleted, hidden or marked as a spoiler (the CLI's `fact edit`, an import of facts for a
-- known film, a moderator in another process) moves the counter and notifies, as films and aliases do.
-- One bump per statement: an import chunk's rows go in one statement per kind of row.
CREATE TRIGGER facts_changed AFTER INSERT OR UPDATE OR DELETE ON facts
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER hidden_facts_changed AFTER INSERT OR UPDATE OR DELETE ON hidden_facts
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER spoiler_marks_changed AFTER INSERT OR UPDATE OR DELETE ON spoiler_marks
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
