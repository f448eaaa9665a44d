-- 0021 events, jobs: relay bookkeeping, scheduled job runs, queued message payloads
--
-- What: (1) outbox_events gets handled_by (handlers that already succeeded, so a retry
--       runs only the ones that failed) and parked_at (given up after too many
--       failures, left for an operator); (2) job_runs records each periodic job's last
--       run so several workers run a job once per interval; (3) notification_deliveries
--       gets payload_encrypted (recipient address and template variables, encrypted
--       until the message is sent, then wiped) and the recipient kind login_code.
-- Why:  at-least-once delivery without repeating work that succeeded; visible failures;
--       a queued e-mail (e.g. a login code) must not sit in the database in clear.
-- rollback note: ALTER TABLE outbox_events DROP COLUMN handled_by, DROP COLUMN parked_at;
--       DROP TABLE job_runs; ALTER TABLE notification_deliveries DROP COLUMN
--       payload_encrypted; restore the previous recipient_kind check.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE outbox_events ADD COLUMN handled_by text[];
ALTER TABLE outbox_events ADD COLUMN parked_at timestamptz;

COMMENT ON COLUMN outbox_events.handled_by IS 'P0. Names of the handlers that have processed this event (NULL = none yet).';
COMMENT ON COLUMN outbox_events.parked_at IS 'P0. Set when the relay gave up after too many failures; an operator retries or discards it.';

CREATE TABLE job_runs (
    name text PRIMARY KEY,
    last_started_at timestamptz NOT NULL,
    last_finished_at timestamptz,
    last_error text,
    run_count bigint NOT NULL DEFAULT 0,
    CONSTRAINT job_runs_name_check CHECK (name ~ '^[a-z][a-z0-9_.]{1,63}$')
);

COMMENT ON TABLE job_runs IS 'P0. Last run of each periodic job (hold expiry, reminders, reconciliation, retention); written under the job''s advisory lock.';
COMMENT ON COLUMN job_runs.last_error IS 'P0. Error class of the last failed run, never message texts with data.';

ALTER TABLE notification_deliveries ADD COLUMN payload_encrypted text;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_payload_encrypted_check
    CHECK (payload_encrypted LIKE 'enc:v1:%') NOT VALID;

COMMENT ON COLUMN notification_deliveries.payload_encrypted IS 'P2. Recipient address and template variables in the enc:v1 envelope; set to NULL once the message is sent or has failed for good.';

-- The replacement check below, in the same transaction, widens the old list: no
-- guarantee is lost. (The forward-only way to extend a status/kind list.)
-- squawk-ignore ban-drop-constraint
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_recipient_kind_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_recipient_kind_check
    CHECK (recipient_kind IN ('user', 'lead', 'telegram_account', 'login_code')) NOT VALID;
