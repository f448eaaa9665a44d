-- What the worker's /metrics reports about the work queued in the database (counts only, no P1/P2).

-- name: outbox_state()^
-- Served by the partial index on unprocessed rows.
SELECT count(*) FILTER (WHERE processed_at IS NULL AND parked_at IS NULL) AS backlog,
       count(*) FILTER (WHERE parked_at IS NOT NULL AND processed_at IS NULL) AS parked,
       coalesce(extract(epoch FROM now() - min(available_at)
                FILTER (WHERE processed_at IS NULL AND parked_at IS NULL)), 0) AS lag_seconds
FROM outbox_events
WHERE processed_at IS NULL;

-- name: deliveries_by_state()
-- Messages waiting and messages that failed for good, by channel (failed rows are few).
SELECT channel, status, count(*) AS n FROM notification_deliveries
WHERE status IN ('pending', 'failed') GROUP BY 1, 2;

-- name: webhook_outcomes()
-- Provider notifications by outcome (bounded by retention.webhook_events_days).
SELECT provider, coalesce(outcome, 'pending') AS outcome, count(*) AS n
FROM provider_webhook_events GROUP BY 1, 2;
