-- The first saved answer marks its invitation as started. A trigger does it
-- inside the insert, so that saving an answer is one statement.
CREATE FUNCTION mark_invitation_started() RETURNS trigger AS $$
BEGIN
    UPDATE invitations SET state = 'started' WHERE id = NEW.invitation_id AND state = 'pending';
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER draft_answer_marks_invitation_started
AFTER INSERT ON draft_answers
FOR EACH ROW EXECUTE FUNCTION mark_invitation_started();
