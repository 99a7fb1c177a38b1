-- Per-day count of new leads (issue 14): what the summary's `new_leads` sums, one row per UTC day
-- of a lead's `first_seen_at` instead of one index entry per lead. Kept exact in the same
-- transaction as each lead write: a new lead adds one to its day; a lead whose `first_seen_at`
-- moves earlier (an older event arrived late) moves its one from the old day to the new one.
-- Filled here from the leads that already exist.
CREATE TABLE lead_daily_counts (
    day DATE PRIMARY KEY,
    new_leads BIGINT NOT NULL CHECK (new_leads >= 0)
);
INSERT INTO lead_daily_counts (day, new_leads)
SELECT (first_seen_at AT TIME ZONE 'UTC')::date, COUNT(*) FROM leads GROUP BY 1;

-- The summary's top performer and post count read the published schedules' items from the index
-- alone (an index-only scan instead of reading each schedule row).
CREATE INDEX schedules_published_items ON schedules (published_at) INCLUDE (content_item_id) WHERE status = 'published';
DROP INDEX schedules_published;
