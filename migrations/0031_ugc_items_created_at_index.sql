-- transactional: false
-- 0031 moderation: an index for the moderation SLA dashboard
--
-- What: ugc_items (created_at), built CONCURRENTLY (outside a transaction).
-- Why:  the owner's moderation-SLA dashboard picks the items created in a period; the
--       existing (status, sla_due_at) index serves the queue, not this.
-- rollback note: DROP INDEX CONCURRENTLY ugc_items_created_at_idx.

SET lock_timeout = '5s';
SET statement_timeout = '10min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ugc_items_created_at_idx ON ugc_items (created_at);

RESET statement_timeout;
RESET lock_timeout;
