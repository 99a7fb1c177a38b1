-- Edit learning (issue 15): every version of every learned rule (rollback re-activates an older
-- one), and CIPHER-style preferences with the embedding of the context they were learned in.
CREATE TABLE learned_rules (
    id UUID NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    content_type TEXT CHECK (content_type IS NULL OR content_type IN ('linkedin_post', 'pre_interview', 'post_publish', 'newsletter', 'blog_post')),
    -- the RuleKind as JSON ({"kind": "banned_phrase", "phrase": "…"})
    kind JSONB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'retired')),
    category TEXT NOT NULL,
    support INTEGER NOT NULL CHECK (support >= 0),
    confidence DOUBLE PRECISION NOT NULL,
    -- content_edits ids behind the rule
    provenance JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    activated_at TIMESTAMPTZ,
    retired_at TIMESTAMPTZ,
    PRIMARY KEY (id, version)
);
-- At most one active version per lineage.
CREATE UNIQUE INDEX learned_rules_one_active ON learned_rules (id) WHERE status = 'active';
CREATE INDEX learned_rules_status ON learned_rules (status);

CREATE TABLE learned_preferences (
    id UUID PRIMARY KEY,
    content_type TEXT NOT NULL CHECK (content_type IN ('linkedin_post', 'pre_interview', 'post_publish', 'newsletter', 'blog_post')),
    content_item_id UUID REFERENCES content_items (id),
    -- the context's embedding, a JSON array of floats
    context_embedding JSONB NOT NULL,
    preference TEXT NOT NULL CHECK (preference <> ''),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX learned_preferences_type ON learned_preferences (content_type, created_at, id);

-- Mining reads every item's edits since a time.
CREATE INDEX content_edits_created ON content_edits (created_at, id);
