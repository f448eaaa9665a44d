-- transactional: false
-- 0060 analytics: the funnel events by the time they were received
--
-- What: a partial B-tree index on analytics_events (received_at) for the four funnel
--       events, built CONCURRENTLY (outside a transaction).
-- Why:  the funnel roll-up (0059) reads the events received since its mark, and the
--       dashboard adds the ones not yet rolled up; without it both would read the
--       table's funnel events of the whole period.
-- rollback note: DROP INDEX CONCURRENTLY analytics_events_funnel_received_at_idx.

SET lock_timeout = '5s';
SET statement_timeout = '30min';

-- squawk-ignore ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_funnel_received_at_idx
    ON analytics_events (received_at)
    WHERE event_name IN ('booking.started', 'booking.slot_selected', 'booking.held',
                         'booking.paid');

RESET statement_timeout;
RESET lock_timeout;
