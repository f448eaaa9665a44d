-- transactional: false
-- 0046 events: each periodic job's last success; an index for the deliveries' retention
--
-- What: job_runs.last_succeeded_at (when the job last finished without an error,
--       kept across later failures), filled from the runs already recorded; a partial
--       index on notification_deliveries over finished messages (sent, failed,
--       skipped) by when they finished, for the retention job that deletes them; the
--       setting retention.notification_deliveries_days (90) that job reads.
-- Why:  operators alert on a job that has not succeeded for too long
--       (balance_job_last_success_timestamp_seconds on /metrics); last_finished_at alone
--       forgets the last success as soon as a run fails. The retention job must not read
--       every message ever queued each hour. The index is built CONCURRENTLY (outside a
--       transaction) so messages keep being queued meanwhile.
-- rollback note: DELETE FROM system_settings WHERE key =
--       'retention.notification_deliveries_days'; DROP INDEX CONCURRENTLY notification_deliveries_finished_idx;
--       ALTER TABLE job_runs DROP COLUMN last_succeeded_at.

SET lock_timeout = '5s';
SET statement_timeout = '10min';

ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS last_succeeded_at timestamptz;

COMMENT ON COLUMN job_runs.last_succeeded_at IS 'P0. When the job last finished without an error; NULL: never yet.';

UPDATE job_runs SET last_succeeded_at = last_finished_at
WHERE last_succeeded_at IS NULL AND last_finished_at IS NOT NULL AND last_error IS NULL;

INSERT INTO system_settings (key, value)
VALUES ('retention.notification_deliveries_days', '90')
ON CONFLICT DO NOTHING;

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS notification_deliveries_finished_idx
    ON notification_deliveries ((coalesce(sent_at, created_at)))
    WHERE status IN ('sent', 'failed', 'skipped');

RESET statement_timeout;
RESET lock_timeout;
