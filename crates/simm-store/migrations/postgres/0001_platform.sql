-- The platform's first schema. Migrations are added, never edited.
-- Times are Unix seconds; ids are random, so they reveal neither counts nor order.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'viewer')),
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash BYTEA PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed attempts per key (an account or a client address), shared by all
-- server instances.
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    industry TEXT,
    size TEXT,
    country TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE organization_access (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_access_by_user ON organization_access (user_id);

CREATE TABLE model_versions (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (model_id, version)
);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    model_version_id TEXT NOT NULL REFERENCES model_versions (id),
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    anonymity_min BIGINT,
    created_at BIGINT NOT NULL,
    opened_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX assessments_by_organization ON assessments (organization_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    attributes TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'started', 'submitted')),
    created_at BIGINT NOT NULL
);
CREATE INDEX invitations_by_assessment ON invitations (assessment_id);

-- Answers kept with the invitation until submission, so a respondent can
-- resume. A NULL value is an explicit "don't know".
CREATE TABLE draft_answers (
    invitation_id TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    value BIGINT,
    PRIMARY KEY (invitation_id, item_id)
);

CREATE TABLE draft_comments (
    invitation_id TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    area_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (invitation_id, area_id)
);

-- Submitted responses hold no link to their invitation. Kept apart, so
-- that nothing ties them to the invitation they came from.
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    attributes TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    answers BYTEA NOT NULL
);
CREATE INDEX responses_by_assessment ON responses (assessment_id);

CREATE TABLE response_comments (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    area_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (response_id, area_id)
);
