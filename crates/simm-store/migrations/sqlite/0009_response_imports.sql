-- Offline responses uploaded into an assessment (issue 11), such as the
-- answers of a paper workshop. Each upload is one batch: its rows go to the
-- pending pool like answers given online, and this record keeps only how
-- many there were, from which format, by whom and when, for the
-- participation counts. Nothing in it leads to a row.
CREATE TABLE response_imports (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    rows_imported BIGINT NOT NULL CONSTRAINT response_imports_rows_check CHECK (rows_imported > 0),
    imported_by TEXT NOT NULL REFERENCES users (id),
    imported_at BIGINT NOT NULL
);

CREATE INDEX response_imports_by_assessment ON response_imports (assessment_id);
