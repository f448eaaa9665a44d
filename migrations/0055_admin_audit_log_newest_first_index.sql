-- transactional: false
-- 0055 admin: an index for the audit log search, newest first
--
-- What: audit_log_entries (occurred_at DESC, id DESC), built CONCURRENTLY (outside a
--       transaction).
-- Why:  the audit log search (sql/admin/audit.sql: search) pages newest first by
--       (occurred_at, id); without an actor or entity filter only the BRIN on
--       occurred_at applied, which cannot give the order: every entry of the period
--       (30 days by default) was read and sorted for each page, a Seq Scan from 10,000
--       entries on (bench/volume.py). This index walks the newest entries and stops at
--       the page's end.
-- rollback note: DROP INDEX CONCURRENTLY audit_log_entries_occurred_at_id_idx.

SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_entries_occurred_at_id_idx
    ON audit_log_entries (occurred_at DESC, id DESC);

RESET statement_timeout;
RESET lock_timeout;
