-- The maturity journey (issue 10): an organisation's target, its action
-- plan, and every status change of an action with who made it and when.

-- One target per organisation. areas is a JSON object of area id to stage,
-- such as {"vision": 3}; target_date is YYYY-MM-DD or NULL.
CREATE TABLE organization_targets (
    organization_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    areas TEXT NOT NULL,
    target_date TEXT,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL
);

-- item_id and area_id name the model's practice and area as text: an
-- organisation's assessments may use several model versions.
CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    item_id TEXT,
    area_id TEXT,
    owner TEXT,
    due TEXT,
    status TEXT NOT NULL CONSTRAINT actions_status_check
        CHECK (status IN ('planned', 'in_progress', 'done', 'dropped')),
    notes TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX actions_by_organization ON actions (organization_id);

-- position numbers an action's changes 1, 2, …: changes made within one
-- second keep their order, which random ids and Unix seconds cannot give.
-- The unique index on (action_id, position) is also the look-up by action.
CREATE TABLE action_status_changes (
    id TEXT PRIMARY KEY,
    action_id TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at BIGINT NOT NULL,
    UNIQUE (action_id, position)
);
