-- Deadlines (issue 12): an assessment may close itself at an instant, set
-- as a local time in a named zone, which is kept to show it as it was set.
-- Reminders may be scheduled some whole days before it; sent_at records
-- that a schedule was carried out, so that one server only sends it.
CREATE TABLE assessment_deadlines (
    assessment_id TEXT PRIMARY KEY REFERENCES assessments (id) ON DELETE CASCADE,
    closes_at BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE INDEX assessment_deadlines_due ON assessment_deadlines (closes_at);

CREATE TABLE reminder_schedules (
    assessment_id TEXT NOT NULL REFERENCES assessment_deadlines (assessment_id) ON DELETE CASCADE,
    days_before BIGINT NOT NULL CHECK (days_before BETWEEN 1 AND 60),
    sent_at BIGINT,
    PRIMARY KEY (assessment_id, days_before)
);

-- Whether an invitation's link was ever opened, for participation
-- (invited, opened, started, submitted). A flag, not a time.
ALTER TABLE invitations ADD COLUMN opened BOOLEAN NOT NULL DEFAULT FALSE;
