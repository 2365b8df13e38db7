-- Why: an import replaces what one origin said about one entity (DELETE … WHERE origin = ? AND entity_id IN …); with an index on origin alone, a database without statistics yet (any fresh import) reads every name or credit of that origin for each entity, so a dump import slowed down with every line it wrote.

-- The origin index now leads to the entity too: a per-entity replacement reads only that
-- entity's rows, and lookups by origin alone still use it.
DROP INDEX names_origin;
CREATE INDEX names_origin ON names (origin, entity_id);
DROP INDEX credits_origin;
CREATE INDEX credits_origin ON credits (origin, subject_id);
