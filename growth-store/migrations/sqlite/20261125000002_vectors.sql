-- The embedded vector store (SQLite). Vectors are f32 little-endian bytes, searched in Rust
-- (exact cosine); metadata is JSON text.

-- One row per namespace: the dimension and embedding model its vectors were made with (a
-- mismatch with the configuration is refused at open), and a version bumped by every write so
-- each store instance knows when its in-memory copy of the namespace is stale.
CREATE TABLE vector_indexes (
    namespace TEXT PRIMARY KEY,
    dims INTEGER NOT NULL CHECK (dims > 0),
    model TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE vectors (
    namespace TEXT NOT NULL REFERENCES vector_indexes (namespace) ON DELETE CASCADE,
    id TEXT NOT NULL,
    dims INTEGER NOT NULL CHECK (dims > 0),
    model TEXT NOT NULL,
    embedding BLOB NOT NULL CHECK (length(embedding) = 4 * dims),
    metadata TEXT NOT NULL,
    content_hash TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, id)
) STRICT;
