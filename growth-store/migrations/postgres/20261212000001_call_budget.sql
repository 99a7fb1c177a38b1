-- Daily platform call budgets shared by every worker (issue 14): one counter per UTC day and
-- name (`linkedin`, `linkedin:<account>`). Taken with
-- `INSERT … ON CONFLICT DO UPDATE SET used = used + n WHERE used + n <= limit`, never read and
-- written back, so concurrent workers can neither lose an update nor overspend.
CREATE TABLE call_budget_usage (
    day DATE NOT NULL,
    counter TEXT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (day, counter)
);
