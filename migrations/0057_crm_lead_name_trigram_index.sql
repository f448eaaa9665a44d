-- transactional: false
-- 0057 crm: trigram search over lead names
--
-- What: the pg_trgm extension (trusted: a database owner may create it; PostgreSQL's
--       contrib, shipped by Debian's and the official images) and a GIN trigram index
--       on lower(leads.display_name) for leads not merged away, built CONCURRENTLY
--       (outside a transaction).
-- Why:  the CRM search (sql/crm/leads.sql: search_leads) matches a substring of the name
--       or of a contact; no B-tree serves a substring, so every search read all leads
--       (a Seq Scan on leads from 10,000 leads on, bench/volume.py). A LIKE '%…%'
--       pattern is answered from this index (and 0058 for the contacts).
-- rollback note: DROP INDEX CONCURRENTLY leads_display_name_trgm_idx; the extension
--       may stay (DROP EXTENSION pg_trgm once 0058's index is gone too).

SET lock_timeout = '5s';
SET statement_timeout = '30min';

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_display_name_trgm_idx
    ON leads USING gin (lower(display_name) gin_trgm_ops) WHERE merged_into_id IS NULL;

RESET statement_timeout;
RESET lock_timeout;
