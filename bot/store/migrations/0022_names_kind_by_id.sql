-- Why: at 1.47M names, the trigram step of autocomplete keeps the matches of the kinds asked for out of a window of up to 2,000 (names_matching), and it read each match's whole table row only to check its kind; a small index holds each name's kind by id, so that filter reads the index alone.

-- The kind of each name by its id (bot/store/catalog/names.py, names_matching).
CREATE INDEX names_id_kind ON names (id, kind);
