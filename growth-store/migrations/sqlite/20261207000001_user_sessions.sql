-- Disabling users and ending their sessions (SQLite). `disabled_at` refuses sign-in and every
-- request while set; `sessions_revoked_at` is a revocation epoch: access tokens issued at or before
-- it are refused, even after the user is enabled again. Revoking by user scans
-- refresh_tokens: disabling is a rare admin action.

ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN sessions_revoked_at TEXT;
