-- The one row that readiness probes (/readyz) overwrite: a write that
-- shows the database takes writes now, without touching any data.
CREATE TABLE readiness (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
);
