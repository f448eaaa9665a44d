-- Notification deliveries: one row per intended message, sent once.

-- name: enqueue(id, channel, template_code, recipient_kind, recipient_id, dedupe_key, payload_encrypted, now, request_id)^
-- A repeated request with the same dedupe key inserts nothing and returns no row.
INSERT INTO notification_deliveries (id, channel, template_code, recipient_kind, recipient_id,
                                     dedupe_key, payload_encrypted, next_attempt_at, created_at,
                                     request_id)
VALUES (:id, :channel, :template_code, :recipient_kind, :recipient_id,
        :dedupe_key, :payload_encrypted, :now, :now, :request_id)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id;

-- name: claim_due(now, lease_until, batch_size)
UPDATE notification_deliveries d
SET next_attempt_at = :lease_until, attempts = d.attempts + 1
FROM (
    SELECT id FROM notification_deliveries
    WHERE status = 'pending' AND next_attempt_at <= :now
    ORDER BY next_attempt_at, created_at
    LIMIT :batch_size
    FOR UPDATE SKIP LOCKED
) due
WHERE d.id = due.id
RETURNING d.id, d.channel, d.template_code, d.payload_encrypted, d.attempts, d.request_id;

-- name: mark_sent(id, now)!
UPDATE notification_deliveries
SET status = 'sent', sent_at = :now, last_error = NULL, payload_encrypted = NULL
WHERE id = :id AND status = 'pending';

-- name: reschedule(id, next_attempt_at, last_error)!
UPDATE notification_deliveries
SET next_attempt_at = :next_attempt_at, last_error = :last_error
WHERE id = :id AND status = 'pending';

-- name: mark_failed(id, last_error)!
-- Given up for good: the queued address and variables are wiped too.
UPDATE notification_deliveries
SET status = 'failed', last_error = :last_error, payload_encrypted = NULL
WHERE id = :id AND status = 'pending';

-- name: find_template(code, channel, locale)^
SELECT subject, body FROM message_templates
WHERE code = :code AND channel = :channel AND locale = :locale;

-- name: purge_finished(before)!
-- Retention: messages sent, failed for good or skipped, finished before :before
-- (served by notification_deliveries_finished_idx). Pending ones are never touched.
DELETE FROM notification_deliveries
WHERE status IN ('sent', 'failed', 'skipped') AND coalesce(sent_at, created_at) < :before;

-- name: delivery_retention_days()^
SELECT value FROM system_settings WHERE key = 'retention.notification_deliveries_days';
