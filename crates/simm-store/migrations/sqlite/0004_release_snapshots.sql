-- Results are published as snapshots (docs/privacy.md). A submitted
-- response first waits in a pending pool; a release (an interim snapshot,
-- or closing the assessment) moves a whole batch of at least the
-- anonymity minimum into `responses` at once, under new ids, in random
-- order, with the attributes the privacy policy lets it publish. Results,
-- comments and downloads read `responses` only, so nothing a reader sees
-- moves by one person, and the release transaction is never the one that
-- marked an invitation as used.
--
-- Responses submitted before this migration stay in `responses`: they
-- were shown live already, and count as one published batch.

CREATE TABLE pending_responses (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    attributes TEXT NOT NULL,
    answers BLOB NOT NULL,
    -- Whether the response holds at least one answer: only those count
    -- towards the anonymity minimum.
    answering BOOLEAN NOT NULL
) WITHOUT ROWID;
CREATE INDEX pending_responses_by_assessment ON pending_responses (assessment_id);

CREATE TABLE pending_comments (
    pending_id TEXT NOT NULL REFERENCES pending_responses (id) ON DELETE CASCADE,
    area_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (pending_id, area_id)
) WITHOUT ROWID;

-- One row per release: when, and how many responses it published, left
-- out for holding no answer, or held back because too few were pending.
CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    released_at BIGINT NOT NULL,
    at_close BOOLEAN NOT NULL,
    released BIGINT NOT NULL,
    blank BIGINT NOT NULL,
    held_back BIGINT NOT NULL
);
CREATE INDEX releases_by_assessment ON releases (assessment_id, released_at);
