-- How many lead events an analytics row's lead counters were computed from (issue 14); see the
-- PostgreSQL migration of the same name.
ALTER TABLE analytics ADD COLUMN lead_basis INTEGER NOT NULL DEFAULT 0;
