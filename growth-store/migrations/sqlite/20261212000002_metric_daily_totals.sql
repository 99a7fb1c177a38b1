-- Per-day rollup of the metric snapshots (issue 14); see the PostgreSQL migration of the same name.
CREATE TABLE metric_daily_totals (
    day TEXT PRIMARY KEY,
    snapshots INTEGER NOT NULL,
    reach INTEGER NOT NULL,
    engagements INTEGER NOT NULL
) STRICT;
INSERT INTO metric_daily_totals (day, snapshots, reach, engagements)
SELECT day, COUNT(*), SUM(reach_delta), SUM(engagements_delta) FROM metric_snapshots GROUP BY day;
