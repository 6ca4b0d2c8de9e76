-- The model's title, stored with its version when it is imported, so that
-- listing versions no longer parses every model file. A migration cannot
-- parse a model file, so the versions stored before this one get their
-- title from the store right after the migrations run (Store::connect),
-- once; until then the column is NULL, and only for those.
ALTER TABLE model_versions ADD COLUMN title TEXT;
