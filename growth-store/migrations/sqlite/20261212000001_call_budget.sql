-- Daily platform call budgets shared by every worker (issue 14): one counter per day and name
-- (`linkedin`, `linkedin:<account>`), taken with an atomic upsert; see the PostgreSQL migration.
CREATE TABLE call_budget_usage (
    day TEXT NOT NULL,
    counter TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (day, counter)
) STRICT;
