-- Per-day rollup of the metric snapshots (issue 14): what the summary and the reach-per-day chart
-- sum, one row per UTC day instead of one per item, platform and day. Kept exact in the same
-- transaction as each snapshot write (the day's row is locked first, then the snapshot's change
-- of `reach_delta` / `engagements_delta` is added), and filled here from what already exists.
CREATE TABLE metric_daily_totals (
    day DATE PRIMARY KEY,
    snapshots BIGINT NOT NULL,
    reach BIGINT NOT NULL,
    engagements BIGINT NOT NULL
);
INSERT INTO metric_daily_totals (day, snapshots, reach, engagements)
SELECT day, COUNT(*), SUM(reach_delta), SUM(engagements_delta) FROM metric_snapshots GROUP BY day;
