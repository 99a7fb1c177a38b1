-- When a source last changed status: the stale-processing sweep moves a source that has been
-- `processing` (or `ingested` with a file and no transcript) for too long to `failed`.
ALTER TABLE content_sources ADD COLUMN status_changed_at TEXT;
UPDATE content_sources SET status_changed_at = COALESCE(processed_at, created_at);
CREATE INDEX content_sources_status_changed ON content_sources (status, status_changed_at);
