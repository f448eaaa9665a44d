-- transactional: false
-- 0038 analytics: indexes for data-subject export and erasure
--
-- What: partial indexes on analytics_events (user_id), (anonymous_id) and the
--       appointment an event names (props ->> 'appointment').
-- Why:  export and erasure now cover a person's analytics events (recorded with their
--       account, under an anonymous id whose self-checks they claimed, or about their
--       appointments); without these indexes each request reads every event kept (up
--       to a year), inside the erasure's transaction. The appointment index also serves
--       the "once per appointment" check of the server-side funnel steps. Built
--       CONCURRENTLY (outside a transaction) so event intake is never blocked.
-- rollback note: DROP INDEX CONCURRENTLY analytics_events_user_id_idx,
--       analytics_events_anonymous_id_idx, analytics_events_appointment_idx.

SET lock_timeout = '5s';
SET statement_timeout = '10min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_user_id_idx
    ON analytics_events (user_id) WHERE user_id IS NOT NULL;
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_anonymous_id_idx
    ON analytics_events (anonymous_id) WHERE anonymous_id IS NOT NULL;
-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_appointment_idx
    ON analytics_events ((props ->> 'appointment')) WHERE (props ->> 'appointment') IS NOT NULL;

RESET statement_timeout;
RESET lock_timeout;
