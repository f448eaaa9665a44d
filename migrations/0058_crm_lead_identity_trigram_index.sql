-- transactional: false
-- 0058 crm: trigram search over lead contacts
--
-- What: a GIN trigram index on lead_identities (value_normalized), built CONCURRENTLY
--       (outside a transaction); pg_trgm comes from 0057.
-- Why:  the CRM search (sql/crm/leads.sql: search_leads) matches a substring of any
--       contact (e-mail, phone, Telegram); the (kind, value_normalized) B-tree serves
--       exact look-ups only, so every search read all contacts (a Seq Scan on
--       lead_identities, bench/volume.py).
-- rollback note: DROP INDEX CONCURRENTLY lead_identities_value_normalized_trgm_idx.

SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_identities_value_normalized_trgm_idx
    ON lead_identities USING gin (value_normalized gin_trgm_ops);

RESET statement_timeout;
RESET lock_timeout;
