-- Provider notifications: recorded once, processed by the worker.

-- name: record_notification(id, provider, event, object_id, now)^
-- The idempotency record: a redelivered notification inserts nothing.
INSERT INTO provider_webhook_events (id, provider, event, object_id, received_at)
VALUES (:id, :provider, :event, :object_id, :now)
ON CONFLICT (provider, event, object_id) DO NOTHING
RETURNING id;

-- name: finish_notification(id, outcome, now)!
UPDATE provider_webhook_events SET processed_at = :now, outcome = :outcome WHERE id = :id;

-- name: payment_by_provider_id(provider_payment_id)^
SELECT id, appointment_id, amount, currency, status, version
FROM payments WHERE provider_payment_id = :provider_payment_id;

-- name: payment_for_update(id)^
SELECT id, appointment_id, amount, currency, status, provider_payment_id, version
FROM payments WHERE id = :id FOR UPDATE;

-- name: set_payment_status(id, status, provider_payment_id, failure_reason, now)!
-- Forward-only: callers check the transition first; terminal states never change.
UPDATE payments
SET status = :status, provider_payment_id = coalesce(provider_payment_id, :provider_payment_id),
    failure_reason = coalesce(:failure_reason, failure_reason),
    confirmed_at = CASE WHEN :status = 'succeeded' THEN :now ELSE confirmed_at END,
    updated_at = :now, version = version + 1
WHERE id = :id AND status NOT IN ('succeeded', 'canceled', 'failed');

-- name: refund_by_provider_id(provider_refund_id)^
SELECT id, status FROM refunds WHERE provider_refund_id = :provider_refund_id;

-- name: set_refund_status(id, status, now)!
UPDATE refunds SET status = :status, updated_at = :now WHERE id = :id AND status = 'pending';

-- name: stale_open_payments(before, limit)
-- Reconciliation: YooKassa payments still open a few minutes after they started.
SELECT id, provider_payment_id, status FROM payments
WHERE provider = 'yookassa' AND status IN ('intent', 'pending', 'waiting_for_capture')
  AND created_at < :before
ORDER BY created_at
LIMIT :limit;

-- name: refunds_to_request(appointment_id)
-- Refunds recorded for an appointment that YooKassa has not been asked for yet.
SELECT r.id, r.amount, r.currency, r.idempotence_key, p.provider_payment_id
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE p.appointment_id = :appointment_id AND p.provider = 'yookassa'
  AND r.provider_refund_id IS NULL AND r.status = 'pending';

-- name: set_refund_provider(id, provider_refund_id, status, now)!
UPDATE refunds SET provider_refund_id = :provider_refund_id, status = :status, updated_at = :now
WHERE id = :id;

-- name: stale_pending_refunds(before, limit)
-- Refunds YooKassa accepted but has not finished a few minutes later: poll them.
SELECT r.id, r.provider_refund_id FROM refunds r
WHERE r.status = 'pending' AND r.provider_refund_id IS NOT NULL AND r.updated_at < :before
ORDER BY r.updated_at
LIMIT :limit;
