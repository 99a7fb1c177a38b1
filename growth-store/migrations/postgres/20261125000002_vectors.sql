-- The embedded vector store (PostgreSQL). Debian's PostgreSQL 15 has no pgvector package, so
-- vectors are f32 little-endian bytes, searched in Rust (exact cosine).

-- One row per namespace: the dimension and embedding model its vectors were made with (a
-- mismatch with the configuration is refused at open), and a version bumped by every write so
-- each store instance knows when its in-memory copy of the namespace is stale.
CREATE TABLE vector_indexes (
    namespace TEXT PRIMARY KEY,
    dims INTEGER NOT NULL CHECK (dims > 0),
    model TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE vectors (
    namespace TEXT NOT NULL REFERENCES vector_indexes (namespace) ON DELETE CASCADE,
    id TEXT NOT NULL,
    dims INTEGER NOT NULL CHECK (dims > 0),
    model TEXT NOT NULL,
    embedding BYTEA NOT NULL CHECK (octet_length(embedding) = 4 * dims),
    metadata JSONB NOT NULL,
    content_hash TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (namespace, id)
);
