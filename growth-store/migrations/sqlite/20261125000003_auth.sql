-- Credentials and rotating refresh tokens (SQLite). Passwords are argon2 hashes; refresh tokens are
-- stored as SHA-256 hashes only. A token belongs to a family (one login); reusing a spent token
-- revokes its whole family.

CREATE TABLE credentials (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    password_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE refresh_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    family_id BLOB NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
