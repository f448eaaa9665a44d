-- transactional: false
-- 0056 crm: an index for the list of leads, newest first
--
-- What: leads (created_at DESC, id DESC) WHERE merged_into_id IS NULL, built
--       CONCURRENTLY (outside a transaction).
-- Why:  the CRM list and its search (sql/crm/leads.sql: list_leads) page the leads that
--       were not merged away, newest first; the (status, created_at) index serves only a
--       list filtered by status, so the unfiltered list and every search read all leads
--       and sorted them (a Seq Scan on leads, bench/volume.py). With this index the list
--       reads one page; a search walks the newest leads until the page is full.
-- rollback note: DROP INDEX CONCURRENTLY leads_created_at_id_idx.

SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_created_at_id_idx
    ON leads (created_at DESC, id DESC) WHERE merged_into_id IS NULL;

RESET statement_timeout;
RESET lock_timeout;
