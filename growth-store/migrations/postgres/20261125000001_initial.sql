-- growth schema v1 (PostgreSQL). Generated from one description for both
-- backends; never edit a landed migration, add a new one.
-- Instants are UTC (TIMESTAMPTZ); ids are UUIDs chosen by the application (v7, time-ordered);
-- statuses are closed sets enforced by CHECK constraints.

CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    full_name TEXT,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'approver', 'admin')),
    auth_provider TEXT NOT NULL CHECK (auth_provider IN ('google', 'email')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE content_sources (
    id UUID PRIMARY KEY,
    source_type TEXT NOT NULL CHECK (source_type IN ('podcast', 'book_chapter', 'sales_call', 'manual')),
    source_id TEXT,
    title TEXT,
    description TEXT,
    metadata JSONB NOT NULL,
    file_url TEXT,
    file_hash TEXT,
    transcript TEXT,
    transcript_source TEXT CHECK (transcript_source IS NULL OR transcript_source IN ('riverside', 'assemblyai', 'grain', 'gemini', 'manual')),
    status TEXT NOT NULL CHECK (status IN ('ingested', 'processing', 'completed', 'failed')),
    failure_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ
);
-- The same platform recording or the same file never becomes a second source.
CREATE UNIQUE INDEX content_sources_platform_id ON content_sources (source_type, source_id) WHERE source_id IS NOT NULL;
CREATE UNIQUE INDEX content_sources_file_hash ON content_sources (file_hash) WHERE file_hash IS NOT NULL;
CREATE INDEX content_sources_created ON content_sources (created_at);

CREATE TABLE content_items (
    id UUID PRIMARY KEY,
    source_id UUID REFERENCES content_sources (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('linkedin_post', 'pre_interview', 'post_publish', 'newsletter', 'blog_post')),
    title TEXT,
    content TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    status TEXT NOT NULL CHECK (status IN ('generated', 'in_review', 'approved', 'rejected', 'scheduled', 'publishing', 'published', 'failed')),
    ai_detection_score DOUBLE PRECISION CHECK (ai_detection_score IS NULL OR (ai_detection_score >= 0 AND ai_detection_score <= 1)),
    ai_detection_passed BOOLEAN,
    icp_score INTEGER CHECK (icp_score IS NULL OR (icp_score >= 0 AND icp_score <= 100)),
    icp_passed BOOLEAN,
    quality_verdicts JSONB NOT NULL,
    quality_flagged BOOLEAN NOT NULL DEFAULT FALSE,
    predicted_engagement JSONB,
    best_publish_time TIMESTAMPTZ,
    scheduled_publish_time TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    published_url TEXT,
    target_platform TEXT CHECK (target_platform IS NULL OR target_platform IN ('linkedin', 'customer_io', 'webflow', 'notion')),
    platform_specific_data JSONB NOT NULL,
    rejection_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX content_items_status ON content_items (status, created_at, id);
CREATE INDEX content_items_source ON content_items (source_id, created_at, id);

-- Every version of an item's text is kept; version 1 is the generator's.
CREATE TABLE content_versions (
    content_item_id UUID NOT NULL REFERENCES content_items (id),
    version INTEGER NOT NULL,
    title TEXT,
    content TEXT NOT NULL,
    edited_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (content_item_id, version)
);

CREATE TABLE content_edits (
    id UUID PRIMARY KEY,
    content_item_id UUID NOT NULL REFERENCES content_items (id),
    user_id UUID REFERENCES users (id),
    version INTEGER NOT NULL,
    edit_type TEXT NOT NULL CHECK (edit_type IN ('change', 'addition', 'deletion')),
    original_text TEXT NOT NULL,
    edited_text TEXT NOT NULL,
    section TEXT NOT NULL CHECK (section IN ('title', 'hook', 'body', 'cta')),
    pattern_tag TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX content_edits_item ON content_edits (content_item_id, created_at, id);

CREATE TABLE schedules (
    id UUID PRIMARY KEY,
    content_item_id UUID NOT NULL REFERENCES content_items (id),
    platform TEXT NOT NULL CHECK (platform IN ('linkedin', 'customer_io', 'webflow', 'notion')),
    scheduled_time TIMESTAMPTZ NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'America/New_York',
    status TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'published', 'failed', 'cancelled', 'unknown')),
    error_message TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claimed_by TEXT,
    lease_expires_at TIMESTAMPTZ,
    platform_post_id TEXT,
    published_url TEXT,
    published_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- At most one active publication per item and platform: a second one is a conflict, not a duplicate post.
CREATE UNIQUE INDEX schedules_one_active ON schedules (content_item_id, platform) WHERE status IN ('pending', 'claimed', 'unknown');
CREATE INDEX schedules_due ON schedules (scheduled_time, id) WHERE status = 'pending';
CREATE INDEX schedules_claimed ON schedules (lease_expires_at) WHERE status = 'claimed';
CREATE INDEX schedules_item ON schedules (content_item_id);

CREATE TABLE publishing_logs (
    id UUID PRIMARY KEY,
    content_item_id UUID NOT NULL REFERENCES content_items (id),
    schedule_id UUID REFERENCES schedules (id),
    platform TEXT NOT NULL CHECK (platform IN ('linkedin', 'customer_io', 'webflow', 'notion')),
    status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'retrying', 'unknown', 'reconciled')),
    request_payload JSONB NOT NULL,
    response_data JSONB NOT NULL,
    error_message TEXT,
    published_url TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX publishing_logs_item ON publishing_logs (content_item_id, created_at, id);

CREATE TABLE analytics (
    id UUID PRIMARY KEY,
    content_item_id UUID NOT NULL REFERENCES content_items (id),
    platform TEXT NOT NULL CHECK (platform IN ('linkedin', 'customer_io', 'webflow', 'notion')),
    impressions BIGINT NOT NULL DEFAULT 0 CHECK (impressions >= 0),
    clicks BIGINT NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    likes BIGINT NOT NULL DEFAULT 0 CHECK (likes >= 0),
    comments BIGINT NOT NULL DEFAULT 0 CHECK (comments >= 0),
    shares BIGINT NOT NULL DEFAULT 0 CHECK (shares >= 0),
    website_visits BIGINT NOT NULL DEFAULT 0 CHECK (website_visits >= 0),
    lead_signups BIGINT NOT NULL DEFAULT 0 CHECK (lead_signups >= 0),
    demo_requests BIGINT NOT NULL DEFAULT 0 CHECK (demo_requests >= 0),
    -- Money as integer cents (the PRD's DECIMAL(10,2) in a type both backends share exactly).
    attributed_revenue_cents BIGINT NOT NULL DEFAULT 0,
    last_updated TIMESTAMPTZ NOT NULL,
    UNIQUE (content_item_id, platform)
);
CREATE INDEX analytics_updated ON analytics (last_updated);

CREATE TABLE knowledge_base (
    id UUID PRIMARY KEY,
    item_type TEXT NOT NULL CHECK (item_type IN ('playbook', 'example_post', 'framework', 'character_diamond')),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    metadata JSONB NOT NULL,
    embedding_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- List columns are JSON arrays on both backends (SQLite has no arrays).
CREATE TABLE icp_profiles (
    id UUID PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN ('grain_call', 'gemini_call', 'manual')),
    source_id TEXT,
    pain_points JSONB NOT NULL,
    language_patterns JSONB NOT NULL,
    objections JSONB NOT NULL,
    goals JSONB NOT NULL,
    role TEXT,
    company_size TEXT,
    industry TEXT,
    embedding_id TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE objections (
    id UUID PRIMARY KEY,
    objection_text TEXT NOT NULL,
    -- lower-cased, trimmed text: mentions are counted case-insensitively.
    objection_key TEXT NOT NULL UNIQUE,
    category TEXT,
    frequency INTEGER NOT NULL DEFAULT 1 CHECK (frequency >= 1),
    severity TEXT CHECK (severity IS NULL OR severity IN ('low', 'medium', 'high')),
    stage TEXT CHECK (stage IS NULL OR stage IN ('awareness', 'consideration', 'decision')),
    content_generated BOOLEAN NOT NULL DEFAULT FALSE,
    content_item_ids JSONB NOT NULL,
    first_mentioned TIMESTAMPTZ NOT NULL,
    last_mentioned TIMESTAMPTZ NOT NULL
);

CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
    result JSONB,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_after TIMESTAMPTZ NOT NULL,
    claimed_by TEXT,
    lease_expires_at TIMESTAMPTZ,
    last_error TEXT,
    dedupe_key TEXT UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX jobs_ready ON jobs (run_after, id) WHERE status = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_created ON jobs (created_at, id);

-- Client retries and webhook redeliveries: the first call does the work, later ones get its answer.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (scope, key)
);

-- One row per cron entry and firing time: however many instances run, one fires.
CREATE TABLE cron_firings (
    name TEXT NOT NULL,
    fire_at TIMESTAMPTZ NOT NULL,
    instance TEXT NOT NULL,
    fired_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, fire_at)
);
