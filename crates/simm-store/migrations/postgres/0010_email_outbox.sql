-- Invitations sent by e-mail (issue 12). An address is kept only to
-- deliver its invitation and the reminders: it lives in email_recipients
-- with the link it is sent, never in a response, and closing the
-- assessment deletes every row of email_recipients, email_outbox and
-- email_templates, keeping only the counts in email_counts.
CREATE TABLE email_templates (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_templates_by_assessment ON email_templates (assessment_id);

-- One address invited to one assessment, with its invitation. The link's
-- token is kept here (the invitation keeps only its hash) because a
-- reminder must carry the same link; it goes with the address.
CREATE TABLE email_recipients (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    invitation_id TEXT NOT NULL UNIQUE REFERENCES invitations (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    -- The address in lower case: one person is invited once.
    address_key TEXT NOT NULL,
    link_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (assessment_id, address_key)
);

-- The durable outbox: each row one message to one recipient. A sender
-- claims a due row (queued -> sending, with a lease), hands it to the
-- relay, and marks it sent, or queued again with a later attempt, or
-- failed with the relay's answer.
CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    recipient_id TEXT NOT NULL REFERENCES email_recipients (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL REFERENCES email_templates (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_outbox_due ON email_outbox (state, next_attempt_at);
CREATE INDEX email_outbox_by_recipient ON email_outbox (recipient_id);
CREATE INDEX email_outbox_by_assessment ON email_outbox (assessment_id);

-- What remains of a closed assessment's e-mails: how many messages of
-- each kind ended in each state. No address, no link, no time.
CREATE TABLE email_counts (
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, kind, state)
);
