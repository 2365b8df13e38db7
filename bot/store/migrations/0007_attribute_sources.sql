-- Why: dates, agency, label and legal name each cite their own source instead of the entity's whole source list; existing values take the entity's source only when it has exactly one, the rest stay unsourced (NULL) rather than borrow another page.

ALTER TABLE artists ADD COLUMN birth_date_source_id INTEGER REFERENCES sources (id);
ALTER TABLE artists ADD COLUMN debut_date_source_id INTEGER REFERENCES sources (id);
ALTER TABLE artists ADD COLUMN end_date_source_id INTEGER REFERENCES sources (id);
ALTER TABLE artists ADD COLUMN agency_source_id INTEGER REFERENCES sources (id);
ALTER TABLE artists ADD COLUMN legal_name_source_id INTEGER REFERENCES sources (id);
ALTER TABLE releases ADD COLUMN date_source_id INTEGER REFERENCES sources (id);
ALTER TABLE releases ADD COLUMN label_source_id INTEGER REFERENCES sources (id);
ALTER TABLE videos ADD COLUMN premiere_source_id INTEGER REFERENCES sources (id);

-- The one source of entities cited by exactly one page: every attribute came from it.
CREATE TEMP TABLE sole_source AS
SELECT entity_id, min(source_id) AS source_id FROM entity_sources
GROUP BY entity_id HAVING count(*) = 1;

UPDATE artists SET
    birth_date_source_id = CASE WHEN birth_date IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = artists.entity_id) END,
    debut_date_source_id = CASE WHEN debut_date IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = artists.entity_id) END,
    end_date_source_id = CASE WHEN end_date IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = artists.entity_id) END,
    agency_source_id = CASE WHEN agency IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = artists.entity_id) END,
    legal_name_source_id = CASE WHEN legal_name IS NOT NULL OR legal_name_hangul IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = artists.entity_id) END;

UPDATE releases SET
    date_source_id = CASE WHEN date IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = releases.entity_id) END,
    label_source_id = CASE WHEN label IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = releases.entity_id) END;

UPDATE videos SET
    premiere_source_id = CASE WHEN premiere IS NOT NULL
        THEN (SELECT source_id FROM sole_source WHERE entity_id = videos.entity_id) END;

DROP TABLE sole_source;
