-- Throttle keys are now stored as the SHA-256 of the key the server counts
-- by, so a row no longer holds, or grows with, the email typed into a
-- sign-in form. Rows keyed the old way would never be read again.
DELETE FROM throttle;

-- Rows whose window has ended are purged by window_start.
CREATE INDEX throttle_window_start ON throttle (window_start);
