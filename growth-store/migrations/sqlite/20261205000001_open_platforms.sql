-- no-transaction
-- Platforms are open names (growth-core `Platform`: 1 to 32 of a-z, 0-9 and _, starting with a
-- letter, validated by the application), so the platform columns lose their CHECK lists:
-- content_items.target_platform, schedules.platform, publishing_logs.platform, analytics.platform.
--
-- SQLite cannot drop a CHECK constraint. Each table is rebuilt by the procedure of
-- https://www.sqlite.org/lang_altertable.html section 7: create new_X as X without the platform
-- CHECK, copy the rows, drop X, rename new_X to X, recreate X's indexes exactly as the earlier
-- migrations wrote them (X has no triggers or views). Dropping a table that other tables refer to
-- needs foreign keys off, and that pragma is a no-op inside a transaction: hence
-- `-- no-transaction` above and the explicit transaction below. Nothing else changes: same
-- columns in the same order, same types, defaults, other CHECKs, keys and indexes.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- content_items (referred to by content_versions, content_edits, schedules, publishing_logs, analytics)
CREATE TABLE new_content_items (
    id BLOB PRIMARY KEY,
    source_id BLOB REFERENCES content_sources (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('linkedin_post', 'pre_interview', 'post_publish', 'newsletter', 'blog_post')),
    title TEXT,
    content TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    status TEXT NOT NULL CHECK (status IN ('generated', 'in_review', 'approved', 'rejected', 'scheduled', 'publishing', 'published', 'failed')),
    ai_detection_score REAL CHECK (ai_detection_score IS NULL OR (ai_detection_score >= 0 AND ai_detection_score <= 1)),
    ai_detection_passed INTEGER,
    icp_score INTEGER CHECK (icp_score IS NULL OR (icp_score >= 0 AND icp_score <= 100)),
    icp_passed INTEGER,
    quality_verdicts TEXT NOT NULL,
    quality_flagged INTEGER NOT NULL DEFAULT 0,
    predicted_engagement TEXT,
    best_publish_time TEXT,
    scheduled_publish_time TEXT,
    published_at TEXT,
    published_url TEXT,
    target_platform TEXT,
    platform_specific_data TEXT NOT NULL,
    rejection_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
INSERT INTO new_content_items (id, source_id, content_type, title, content, version, status, ai_detection_score, ai_detection_passed,
    icp_score, icp_passed, quality_verdicts, quality_flagged, predicted_engagement, best_publish_time, scheduled_publish_time,
    published_at, published_url, target_platform, platform_specific_data, rejection_reason, created_at, updated_at)
SELECT id, source_id, content_type, title, content, version, status, ai_detection_score, ai_detection_passed,
    icp_score, icp_passed, quality_verdicts, quality_flagged, predicted_engagement, best_publish_time, scheduled_publish_time,
    published_at, published_url, target_platform, platform_specific_data, rejection_reason, created_at, updated_at
FROM content_items;
DROP TABLE content_items;
ALTER TABLE new_content_items RENAME TO content_items;
CREATE INDEX content_items_status ON content_items (status, created_at, id);
CREATE INDEX content_items_source ON content_items (source_id, created_at, id);
CREATE INDEX content_items_status_updated ON content_items (status, updated_at);

-- schedules (referred to by publishing_logs)
CREATE TABLE new_schedules (
    id BLOB PRIMARY KEY,
    content_item_id BLOB NOT NULL REFERENCES content_items (id),
    platform TEXT NOT NULL,
    scheduled_time TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'America/New_York',
    status TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'published', 'failed', 'cancelled', 'unknown')),
    error_message TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    claimed_by TEXT,
    lease_expires_at TEXT,
    platform_post_id TEXT,
    published_url TEXT,
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
INSERT INTO new_schedules (id, content_item_id, platform, scheduled_time, timezone, status, error_message, retry_count, next_attempt_at,
    claimed_by, lease_expires_at, platform_post_id, published_url, published_at, created_at, updated_at)
SELECT id, content_item_id, platform, scheduled_time, timezone, status, error_message, retry_count, next_attempt_at,
    claimed_by, lease_expires_at, platform_post_id, published_url, published_at, created_at, updated_at
FROM schedules;
DROP TABLE schedules;
ALTER TABLE new_schedules RENAME TO schedules;
-- At most one active publication per item and platform: a second one is a conflict, not a duplicate post.
CREATE UNIQUE INDEX schedules_one_active ON schedules (content_item_id, platform) WHERE status IN ('pending', 'claimed', 'unknown');
CREATE INDEX schedules_due ON schedules (scheduled_time, id) WHERE status = 'pending';
CREATE INDEX schedules_claimed ON schedules (lease_expires_at) WHERE status = 'claimed';
CREATE INDEX schedules_item ON schedules (content_item_id);

-- publishing_logs
CREATE TABLE new_publishing_logs (
    id BLOB PRIMARY KEY,
    content_item_id BLOB NOT NULL REFERENCES content_items (id),
    schedule_id BLOB REFERENCES schedules (id),
    platform TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'retrying', 'unknown', 'reconciled')),
    request_payload TEXT NOT NULL,
    response_data TEXT NOT NULL,
    error_message TEXT,
    published_url TEXT,
    created_at TEXT NOT NULL
) STRICT;
INSERT INTO new_publishing_logs (id, content_item_id, schedule_id, platform, status, request_payload, response_data, error_message,
    published_url, created_at)
SELECT id, content_item_id, schedule_id, platform, status, request_payload, response_data, error_message,
    published_url, created_at
FROM publishing_logs;
DROP TABLE publishing_logs;
ALTER TABLE new_publishing_logs RENAME TO publishing_logs;
CREATE INDEX publishing_logs_item ON publishing_logs (content_item_id, created_at, id);

-- analytics
CREATE TABLE new_analytics (
    id BLOB PRIMARY KEY,
    content_item_id BLOB NOT NULL REFERENCES content_items (id),
    platform TEXT NOT NULL,
    impressions INTEGER NOT NULL DEFAULT 0 CHECK (impressions >= 0),
    clicks INTEGER NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    likes INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),
    comments INTEGER NOT NULL DEFAULT 0 CHECK (comments >= 0),
    shares INTEGER NOT NULL DEFAULT 0 CHECK (shares >= 0),
    website_visits INTEGER NOT NULL DEFAULT 0 CHECK (website_visits >= 0),
    lead_signups INTEGER NOT NULL DEFAULT 0 CHECK (lead_signups >= 0),
    demo_requests INTEGER NOT NULL DEFAULT 0 CHECK (demo_requests >= 0),
    -- Money as integer cents (the PRD's DECIMAL(10,2) in a type both backends share exactly).
    attributed_revenue_cents INTEGER NOT NULL DEFAULT 0,
    last_updated TEXT NOT NULL,
    UNIQUE (content_item_id, platform)
) STRICT;
INSERT INTO new_analytics (id, content_item_id, platform, impressions, clicks, likes, comments, shares, website_visits, lead_signups,
    demo_requests, attributed_revenue_cents, last_updated)
SELECT id, content_item_id, platform, impressions, clicks, likes, comments, shares, website_visits, lead_signups,
    demo_requests, attributed_revenue_cents, last_updated
FROM analytics;
DROP TABLE analytics;
ALTER TABLE new_analytics RENAME TO analytics;
CREATE INDEX analytics_updated ON analytics (last_updated);

-- The copies are verbatim, so every foreign key still holds; should one not, the CHECK below
-- fails and so does the migration (PRAGMA foreign_key_check alone only reports).
CREATE TEMP TABLE open_platforms_fk_violations (n INTEGER NOT NULL CHECK (n = 0));
INSERT INTO open_platforms_fk_violations SELECT COUNT(*) FROM pragma_foreign_key_check;
DROP TABLE open_platforms_fk_violations;

COMMIT;
PRAGMA foreign_keys = ON;
