-- The first saved answer marks its invitation as started. A trigger does it
-- inside the insert, so that saving an answer is one statement.
CREATE TRIGGER draft_answer_marks_invitation_started
AFTER INSERT ON draft_answers
BEGIN
    UPDATE invitations SET state = 'started' WHERE id = NEW.invitation_id AND state = 'pending';
END;
