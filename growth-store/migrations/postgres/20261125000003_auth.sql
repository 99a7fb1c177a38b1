-- Credentials and rotating refresh tokens (PostgreSQL). Passwords are argon2 hashes; refresh tokens
-- are stored as SHA-256 hashes only. A token belongs to a family (one login); reusing a spent token
-- revokes its whole family.

CREATE TABLE credentials (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    password_hash TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE refresh_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    family_id UUID NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
