-- Metrics over time and leads (issue 14); see the PostgreSQL migration of the same name.

CREATE TABLE metric_snapshots (
    content_item_id BLOB NOT NULL REFERENCES content_items (id),
    platform TEXT NOT NULL,
    day TEXT NOT NULL,
    metrics TEXT NOT NULL,
    reach INTEGER NOT NULL,
    engagements INTEGER NOT NULL,
    reach_delta INTEGER NOT NULL,
    engagements_delta INTEGER NOT NULL,
    captured_at TEXT NOT NULL,
    PRIMARY KEY (content_item_id, platform, day)
) STRICT;
CREATE INDEX metric_snapshots_day ON metric_snapshots (day, reach_delta, engagements_delta);

CREATE TABLE leads (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    enrichment TEXT,
    segment TEXT,
    enriched_at TEXT
) STRICT;
CREATE INDEX leads_first_seen ON leads (first_seen_at);
CREATE INDEX leads_last_seen ON leads (last_seen_at, id);

CREATE TABLE lead_events (
    id BLOB PRIMARY KEY,
    lead_id BLOB NOT NULL REFERENCES leads (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('website_visit', 'lead_signup', 'demo_request', 'purchase')),
    url TEXT,
    utm TEXT,
    content_item_id BLOB REFERENCES content_items (id),
    platform TEXT,
    revenue_cents INTEGER NOT NULL DEFAULT 0,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX lead_events_lead ON lead_events (lead_id, occurred_at);
CREATE INDEX lead_events_item ON lead_events (content_item_id) WHERE content_item_id IS NOT NULL;

CREATE INDEX schedules_published ON schedules (published_at) WHERE status = 'published';
