-- Provider notifications (recorded once, processed by the worker) and what the worker
-- asks the provider about: payments and refunds by the provider's ids, reconciliation.

-- name: record_notification(id, provider, event, object_id, refund, rejected, now)^
-- The idempotency record (a redelivered notification inserts nothing), with whether the
-- object is ours in the same statement: one about a payment or refund we do not have is
-- recorded finished, its outcome `rejected`. One round trip where there were three.
-- index: payments_provider_payment_id_key, refunds_provider_refund_id_key
INSERT INTO provider_webhook_events (id, provider, event, object_id, received_at,
                                     processed_at, outcome)
SELECT :id, :provider, :event, :object_id, :now,
       CASE WHEN known.ours THEN NULL ELSE CAST(:now AS timestamptz) END,
       CASE WHEN known.ours THEN NULL ELSE CAST(:rejected AS text) END
FROM (SELECT CASE WHEN CAST(:refund AS boolean)
                  THEN EXISTS (SELECT 1 FROM refunds
                               WHERE provider_refund_id = CAST(:object_id AS text))
                  ELSE EXISTS (SELECT 1 FROM payments
                               WHERE provider_payment_id = CAST(:object_id AS text))
             END AS ours) AS known
ON CONFLICT (provider, event, object_id) DO NOTHING
RETURNING id, outcome IS NULL AS ours;

-- name: finish_notification(id, outcome, now)!
UPDATE provider_webhook_events SET processed_at = :now, outcome = :outcome WHERE id = :id;

-- name: payment_by_provider_id(provider_payment_id)^
SELECT id, appointment_id, kind, amount, currency, provider, provider_payment_id,
       idempotence_key, status, confirmation_url, failure_reason, confirmed_at, version
FROM payments WHERE provider_payment_id = :provider_payment_id;

-- name: refund_by_provider_id(provider_refund_id)^
SELECT id, payment_id, amount, currency, reason, idempotence_key, status, provider_refund_id
FROM refunds WHERE provider_refund_id = :provider_refund_id;

-- name: update_refund(id, provider_refund_id, status, now)!
-- Only a pending refund changes: a finished one stays as it ended.
UPDATE refunds SET provider_refund_id = :provider_refund_id, status = :status, updated_at = :now
WHERE id = :id AND status = 'pending';

-- name: stale_open_payments(before, limit)
-- Reconciliation: YooKassa payments still open a few minutes after they started.
SELECT id, appointment_id, kind, amount, currency, provider, provider_payment_id,
       idempotence_key, status, confirmation_url, failure_reason, confirmed_at, version
FROM payments
WHERE provider = 'yookassa' AND status IN ('intent', 'pending', 'waiting_for_capture')
  AND created_at < :before
ORDER BY created_at
LIMIT :limit;

-- name: refunds_to_request(appointment_id)
-- Refunds recorded for an appointment that YooKassa has not been asked for yet.
SELECT r.id, r.payment_id, r.amount, r.currency, r.reason, r.idempotence_key, r.status,
       r.provider_refund_id, p.provider_payment_id
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE p.appointment_id = :appointment_id AND p.provider = 'yookassa'
  AND r.provider_refund_id IS NULL AND r.status = 'pending';

-- name: unrequested_refunds(before, limit)
-- Reconciliation: refunds recorded a few minutes ago that YooKassa was never asked for
-- (the handler that should have asked failed, or a payment came after its hold lapsed).
SELECT r.id, r.payment_id, r.amount, r.currency, r.reason, r.idempotence_key, r.status,
       r.provider_refund_id, p.provider_payment_id
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE p.provider = 'yookassa' AND r.provider_refund_id IS NULL AND r.status = 'pending'
  AND r.created_at < :before
ORDER BY r.created_at
LIMIT :limit;

-- name: stale_pending_refunds(before, limit)
-- Refunds YooKassa accepted but has not finished a few minutes later: poll them.
SELECT r.id, r.payment_id, r.amount, r.currency, r.reason, r.idempotence_key, r.status,
       r.provider_refund_id
FROM refunds r
WHERE r.status = 'pending' AND r.provider_refund_id IS NOT NULL AND r.updated_at < :before
ORDER BY r.updated_at
LIMIT :limit;
