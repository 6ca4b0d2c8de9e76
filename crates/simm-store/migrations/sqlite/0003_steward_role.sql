-- A fourth role, steward: stewards look after the models. They see the
-- stored model versions and calibrations pooled over every assessment,
-- never an organisation, an assessment or a response.
--
-- SQLite cannot change a CHECK constraint in place, so the users table is
-- rebuilt. sqlx runs each SQLite migration inside a transaction, where
-- foreign keys cannot be switched off; dropping the old table therefore
-- deletes the rows that reference it with ON DELETE CASCADE (API tokens,
-- sessions, grants), so those are kept aside and put back. The reference
-- without an action (organizations.created_by) is checked at commit, by
-- when every user is back in the new table.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE kept_users AS SELECT * FROM users;
CREATE TEMP TABLE kept_api_tokens AS SELECT * FROM api_tokens;
CREATE TEMP TABLE kept_sessions AS SELECT * FROM sessions;
CREATE TEMP TABLE kept_organization_access AS SELECT * FROM organization_access;

DROP TABLE users;
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'viewer', 'steward')),
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at)
    SELECT id, email, password_hash, role, created_at, password_changed_at FROM kept_users;
INSERT INTO api_tokens (token_hash, user_id, created_at)
    SELECT token_hash, user_id, created_at FROM kept_api_tokens;
INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)
    SELECT token_hash, user_id, csrf_token, created_at, last_seen_at FROM kept_sessions;
INSERT INTO organization_access (organization_id, user_id)
    SELECT organization_id, user_id FROM kept_organization_access;

DROP TABLE kept_users;
DROP TABLE kept_api_tokens;
DROP TABLE kept_sessions;
DROP TABLE kept_organization_access;

-- Pooling the responses of a model version joins responses to the
-- assessments of that version.
CREATE INDEX assessments_by_model_version ON assessments (model_version_id);
