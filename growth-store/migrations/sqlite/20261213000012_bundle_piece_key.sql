-- A real (bundle, piece) key for generated pieces (issue 12 item 9). Until now a piece was found
-- by its JSON tag `platform_specific_data.growth_bundle.{bundle, piece}` with no uniqueness, so
-- two runs of one generate job could both save a piece (double drafts, double LLM spend). From
-- now on the pipeline saves insert-or-get on the unique pair below.
--
-- Existing duplicates are resolved WITHOUT deleting anything: per (bundle, piece), the most
-- advanced item keeps the key (published > publishing > scheduled > approved > failed > rejected
-- > in_review > generated; then the most edited — highest version —, then the oldest, then the
-- lowest id). The others keep their row, text, versions, edits and schedules: only their key is
-- cleared (the columns stay NULL) and their JSON tag moves to `growth_bundle_duplicate`, so a
-- resumed run does not count them as the bundle's piece. Deleting "never-touched" drafts was
-- rejected: a draft a reviewer opened but did not edit looks untouched, and rows referring to it
-- (schedules, logs, snapshots, leads) would have to go too.
ALTER TABLE content_items ADD COLUMN bundle_id TEXT;
ALTER TABLE content_items ADD COLUMN bundle_piece TEXT;

UPDATE content_items
SET bundle_id = json_extract(platform_specific_data, '$.growth_bundle.bundle'),
    bundle_piece = json_extract(platform_specific_data, '$.growth_bundle.piece')
WHERE id IN (
    SELECT id FROM (
        SELECT id,
               ROW_NUMBER() OVER (
                   PARTITION BY json_extract(platform_specific_data, '$.growth_bundle.bundle'),
                                json_extract(platform_specific_data, '$.growth_bundle.piece')
                   ORDER BY CASE status
                                WHEN 'published' THEN 0 WHEN 'publishing' THEN 1 WHEN 'scheduled' THEN 2 WHEN 'approved' THEN 3
                                WHEN 'failed' THEN 4 WHEN 'rejected' THEN 5 WHEN 'in_review' THEN 6 ELSE 7 END,
                            version DESC, created_at, id
               ) AS rank
        FROM content_items
        WHERE json_type(platform_specific_data, '$.growth_bundle.bundle') = 'text'
          AND json_type(platform_specific_data, '$.growth_bundle.piece') = 'text'
    )
    WHERE rank = 1
);

UPDATE content_items
SET platform_specific_data = json_set(
        json_remove(platform_specific_data, '$.growth_bundle'),
        '$.growth_bundle_duplicate',
        json(json_extract(platform_specific_data, '$.growth_bundle')))
WHERE bundle_id IS NULL
  AND json_type(platform_specific_data, '$.growth_bundle.bundle') = 'text'
  AND json_type(platform_specific_data, '$.growth_bundle.piece') = 'text';

CREATE UNIQUE INDEX content_items_bundle_piece ON content_items (bundle_id, bundle_piece) WHERE bundle_id IS NOT NULL;
