-- Why: at 1.47M names, every name an autocomplete step reads best band first cost a table row lookup, because SQLite never reads an index holding a virtual generated column (names.band) alone; the band indexes are now on the band's own expression and hold each name's id and importance, so a step reads the index alone, in the same order as before (band, form, id), and looks up only the names it keeps.

-- The expression is names.band's (migration 0010), spelled as bot/store/catalog/rows.py's
-- band_of() spells it: a query uses these indexes only when it writes the same expression.
DROP INDEX names_band_norm;
CREATE INDEX names_band_norm ON names (
    (CASE WHEN importance >= 3000000 THEN 7 WHEN importance >= 2000050 THEN 6 WHEN importance >= 2000010 THEN 5 WHEN importance >= 2000000 THEN 4 WHEN importance >= 1000010 THEN 3 WHEN importance >= 1000003 THEN 2 WHEN importance >= 1000000 THEN 1 ELSE 0 END), norm, id, importance
);
DROP INDEX names_kind_band_norm;
CREATE INDEX names_kind_band_norm ON names (
    kind, (CASE WHEN importance >= 3000000 THEN 7 WHEN importance >= 2000050 THEN 6 WHEN importance >= 2000010 THEN 5 WHEN importance >= 2000000 THEN 4 WHEN importance >= 1000010 THEN 3 WHEN importance >= 1000003 THEN 2 WHEN importance >= 1000000 THEN 1 ELSE 0 END), norm, id, importance
);
DROP INDEX names_band_jamo;
CREATE INDEX names_band_jamo ON names (
    (CASE WHEN importance >= 3000000 THEN 7 WHEN importance >= 2000050 THEN 6 WHEN importance >= 2000010 THEN 5 WHEN importance >= 2000000 THEN 4 WHEN importance >= 1000010 THEN 3 WHEN importance >= 1000003 THEN 2 WHEN importance >= 1000000 THEN 1 ELSE 0 END), jamo, id, importance
) WHERE jamo IS NOT NULL;
DROP INDEX names_kind_band_jamo;
CREATE INDEX names_kind_band_jamo ON names (
    kind, (CASE WHEN importance >= 3000000 THEN 7 WHEN importance >= 2000050 THEN 6 WHEN importance >= 2000010 THEN 5 WHEN importance >= 2000000 THEN 4 WHEN importance >= 1000010 THEN 3 WHEN importance >= 1000003 THEN 2 WHEN importance >= 1000000 THEN 1 ELSE 0 END), jamo, id, importance
) WHERE jamo IS NOT NULL;
DROP INDEX names_band_choseong;
CREATE INDEX names_band_choseong ON names (
    (CASE WHEN importance >= 3000000 THEN 7 WHEN importance >= 2000050 THEN 6 WHEN importance >= 2000010 THEN 5 WHEN importance >= 2000000 THEN 4 WHEN importance >= 1000010 THEN 3 WHEN importance >= 1000003 THEN 2 WHEN importance >= 1000000 THEN 1 ELSE 0 END), choseong, id, importance
) WHERE choseong IS NOT NULL;
DROP INDEX names_kind_band_choseong;
CREATE INDEX names_kind_band_choseong ON names (
    kind, (CASE WHEN importance >= 3000000 THEN 7 WHEN importance >= 2000050 THEN 6 WHEN importance >= 2000010 THEN 5 WHEN importance >= 2000000 THEN 4 WHEN importance >= 1000010 THEN 3 WHEN importance >= 1000003 THEN 2 WHEN importance >= 1000000 THEN 1 ELSE 0 END), choseong, id, importance
) WHERE choseong IS NOT NULL;
