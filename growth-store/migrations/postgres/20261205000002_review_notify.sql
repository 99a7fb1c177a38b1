-- Tell listeners when what is in review changes (an item enters, leaves, or changes while in
-- review), so servers can keep the review fingerprint in memory instead of asking for it on every
-- request. Identical notifications of one transaction are delivered once; the payload is the
-- schema, so stores that share a database in different schemas can tell theirs apart.
CREATE OR REPLACE FUNCTION growth_review_changed() RETURNS trigger AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.status = 'in_review')
        OR (TG_OP = 'DELETE' AND OLD.status = 'in_review')
        OR (TG_OP = 'UPDATE' AND (OLD.status = 'in_review' OR NEW.status = 'in_review')) THEN
        PERFORM pg_notify('growth_review', current_schema());
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER content_items_review_changed
    AFTER INSERT OR UPDATE OR DELETE ON content_items
    FOR EACH ROW EXECUTE FUNCTION growth_review_changed();
