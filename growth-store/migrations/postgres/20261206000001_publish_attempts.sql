-- Exactly once for real (issue 12): every send is recorded on its schedule before it leaves.
-- `attempt` counts sends started (outcomes compare-and-set on it, so a stale reconciler cannot
-- undo a newer attempt); `last_attempt_at` is when the latest one started (reconciliation reads the
-- platform back to it, from any process; "absent" waits out the platform's settle window after it).
ALTER TABLE schedules ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN last_attempt_at TIMESTAMPTZ;
-- Schedules that may be in flight or unresolved across this migration: their last change is the
-- best persisted estimate of the send (reconciliation reads back to it, minus clock skew). Others
-- (pending, finished) keep attempt 0: nothing reads it until their next send.
UPDATE schedules SET attempt = 1, last_attempt_at = updated_at WHERE status IN ('claimed', 'unknown');
-- Reconciliation claims `unknown` schedules whose `next_attempt_at` passed.
CREATE INDEX schedules_unknown ON schedules (updated_at, id) WHERE status = 'unknown';
