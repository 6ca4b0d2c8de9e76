-- A fourth role, steward: stewards look after the models. They see the
-- stored model versions and calibrations pooled over every assessment,
-- never an organisation, an assessment or a response.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'consultant', 'viewer', 'steward'));

-- Pooling the responses of a model version joins responses to the
-- assessments of that version.
CREATE INDEX assessments_by_model_version ON assessments (model_version_id);
