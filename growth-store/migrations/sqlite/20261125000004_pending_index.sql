-- GET /content/pending checks freshness with COUNT(*) and MAX(updated_at) over the items in review;
-- this index answers it without reading the rows.
CREATE INDEX content_items_status_updated ON content_items (status, updated_at);
