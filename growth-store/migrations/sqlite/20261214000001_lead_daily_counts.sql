-- Per-day count of new leads (issue 14); see the PostgreSQL migration of the same name.
CREATE TABLE lead_daily_counts (
    day TEXT PRIMARY KEY,
    new_leads INTEGER NOT NULL CHECK (new_leads >= 0)
) STRICT;
INSERT INTO lead_daily_counts (day, new_leads)
SELECT date(first_seen_at), COUNT(*) FROM leads GROUP BY date(first_seen_at);

CREATE INDEX schedules_published_items ON schedules (published_at, content_item_id) WHERE status = 'published';
DROP INDEX schedules_published;
