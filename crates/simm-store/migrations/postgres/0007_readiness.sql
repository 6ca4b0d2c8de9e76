-- The one row that readiness probes (/readyz) overwrite: a write that
-- shows the database takes writes now, without touching any data.
CREATE TABLE readiness (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT NOT NULL
);
