-- Platforms are open names (growth-core `Platform`: 1 to 32 of a-z, 0-9 and _, starting with a
-- letter, validated by the application), so the platform columns lose their CHECK lists:
-- content_items.target_platform, schedules.platform, publishing_logs.platform, analytics.platform.
--
-- The constraints were created unnamed (PostgreSQL called them <table>_<column>_check). Rather
-- than rely on those generated names, drop every CHECK constraint that involves only a platform
-- column of those tables, looked up in pg_constraint; the tables resolve through the search_path,
-- like every statement of the store. No other constraint is touched.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT con.conrelid::regclass AS tbl, con.conname
        FROM pg_constraint con
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
        WHERE con.contype = 'c'
          AND cardinality(con.conkey) = 1
          AND (con.conrelid, att.attname) IN (
              ('content_items'::regclass, 'target_platform'),
              ('schedules'::regclass, 'platform'),
              ('publishing_logs'::regclass, 'platform'),
              ('analytics'::regclass, 'platform')
          )
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
    END LOOP;
END
$$;
