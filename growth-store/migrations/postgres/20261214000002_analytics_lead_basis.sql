-- How many lead events an analytics row's lead counters were computed from (issue 14). Lead
-- events are only ever added, so a recomputation that read fewer events than the row's last one
-- is older and must not overwrite it: the write is `... WHERE analytics.lead_basis <= the new
-- basis`, and concurrent recomputations end with the one that saw the most events.
ALTER TABLE analytics ADD COLUMN lead_basis BIGINT NOT NULL DEFAULT 0;
