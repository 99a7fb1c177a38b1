-- Metrics over time and leads (issue 14). One snapshot per item, platform and UTC day (the
-- latest read of the day) with the reach and engagements it earned that day, so the summary and
-- the reach-per-day chart are sums over an index range. Leads are one per email; every event is
-- kept, and an event's idempotency key makes a redelivery write nothing.

CREATE TABLE metric_snapshots (
    content_item_id UUID NOT NULL REFERENCES content_items (id),
    platform TEXT NOT NULL,
    day DATE NOT NULL,
    metrics JSONB NOT NULL,
    reach BIGINT NOT NULL,
    engagements BIGINT NOT NULL,
    reach_delta BIGINT NOT NULL,
    engagements_delta BIGINT NOT NULL,
    captured_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (content_item_id, platform, day)
);
-- Covering: the summary and the chart read only these columns.
CREATE INDEX metric_snapshots_day ON metric_snapshots (day) INCLUDE (reach_delta, engagements_delta);

CREATE TABLE leads (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    enrichment JSONB,
    segment TEXT,
    enriched_at TIMESTAMPTZ
);
CREATE INDEX leads_first_seen ON leads (first_seen_at);
CREATE INDEX leads_last_seen ON leads (last_seen_at, id);

CREATE TABLE lead_events (
    id UUID PRIMARY KEY,
    lead_id UUID NOT NULL REFERENCES leads (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('website_visit', 'lead_signup', 'demo_request', 'purchase')),
    url TEXT,
    utm JSONB,
    content_item_id UUID REFERENCES content_items (id),
    platform TEXT,
    revenue_cents BIGINT NOT NULL DEFAULT 0,
    occurred_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, occurred_at);
CREATE INDEX lead_events_item ON lead_events (content_item_id) WHERE content_item_id IS NOT NULL;

-- What a sync pass and the summary read: posts by publication time.
CREATE INDEX schedules_published ON schedules (published_at) WHERE status = 'published';
