-- Payments and refunds (the provider adapters decide how they reach the provider).
-- A payment is read with the columns of the Payment aggregate, a refund with those of
-- Refund (app/adapters/postgres/payments.py maps them).

-- name: insert_payment(id, appointment_id, kind, amount, currency, provider, idempotence_key, status, confirmation_url, now)!
INSERT INTO payments (id, appointment_id, kind, amount, currency, provider, idempotence_key,
                      status, confirmation_url, created_at, updated_at)
VALUES (:id, :appointment_id, :kind, :amount, :currency, :provider, :idempotence_key, :status,
        :confirmation_url, :now, :now);

-- name: payment_for_update(id)^
SELECT id, appointment_id, kind, amount, currency, provider, provider_payment_id,
       idempotence_key, status, confirmation_url, failure_reason, confirmed_at, version
FROM payments WHERE id = :id FOR UPDATE;

-- name: update_payment(id, version, status, provider_payment_id, confirmation_url, failure_reason, confirmed_at, now)<!
-- Optimistic: the aggregate decided the transition on the version it read.
UPDATE payments
SET status = :status, provider_payment_id = :provider_payment_id,
    confirmation_url = :confirmation_url, failure_reason = :failure_reason,
    confirmed_at = :confirmed_at, updated_at = :now, version = version + 1
WHERE id = :id AND version = :version
RETURNING version;

-- name: succeeded_payments_for(appointment_id)
-- What the client actually paid for the appointment, oldest first (a deposit before its
-- remainder), each with what was refunded of it so far (refunds not canceled).
SELECT p.id, p.appointment_id, p.kind, p.amount, p.currency, p.provider,
       p.provider_payment_id, p.idempotence_key, p.status, p.confirmation_url,
       p.failure_reason, p.confirmed_at, p.version,
       coalesce((SELECT sum(r.amount) FROM refunds r
                 WHERE r.payment_id = p.id AND r.status <> 'canceled'), 0) AS refunded
FROM payments p
WHERE p.appointment_id = :appointment_id AND p.status = 'succeeded'
ORDER BY p.confirmed_at, p.created_at;

-- name: open_payment_for(appointment_id, kind)^
-- The newest payment still waiting to be made (of that kind when ``kind`` is given).
SELECT id, appointment_id, kind, amount, currency, provider, provider_payment_id,
       idempotence_key, status, confirmation_url, failure_reason, confirmed_at, version
FROM payments
WHERE appointment_id = :appointment_id AND status IN ('intent', 'pending')
  AND (CAST(:kind AS text) IS NULL OR kind = :kind)
ORDER BY created_at DESC LIMIT 1;

-- name: move_payments(from_appointment_id, to_appointment_id, now)!
-- A reschedule keeps the payment (made or still open): it follows the new appointment.
UPDATE payments SET appointment_id = :to_appointment_id, updated_at = :now
WHERE appointment_id = :from_appointment_id;

-- name: insert_refund(id, payment_id, amount, currency, idempotence_key, status, reason, now)!
INSERT INTO refunds (id, payment_id, amount, currency, idempotence_key, status, reason,
                     created_at, updated_at)
VALUES (:id, :payment_id, :amount, :currency, :idempotence_key, :status, :reason, :now, :now);

-- name: refunded_total(payment_id)^
SELECT p.currency, coalesce(sum(r.amount), 0) AS refunded
FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id AND r.status <> 'canceled'
WHERE p.id = :payment_id
GROUP BY p.id;

-- name: payment_for_link(id)^
-- The customer's address is read only for the 54-FZ receipt, when receipts are on: the
-- account's e-mail, or the one given with this booking (never another of the lead's);
-- the phone (used when there is no e-mail) is the account's, or the guest's lead's first
-- phone, the one given with the booking that made the lead.
SELECT p.id, p.appointment_id, p.kind, p.amount, p.currency, p.provider,
       p.provider_payment_id, p.idempotence_key, p.status, p.confirmation_url,
       p.failure_reason, p.confirmed_at, p.version, s.title AS service_title,
       coalesce(u.email, (SELECT i.value FROM lead_identities i
                          WHERE i.id = a.contact_identity_id AND i.kind = 'email')) AS email,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.phone
            ELSE (SELECT i.value_normalized FROM lead_identities i
                  WHERE i.lead_id = a.lead_id AND i.kind = 'phone'
                  ORDER BY i.created_at, i.id LIMIT 1) END AS phone
FROM payments p
JOIN appointments a ON a.id = p.appointment_id
JOIN services s ON s.id = a.service_id
LEFT JOIN users u ON u.id = a.client_user_id
WHERE p.id = :id;

-- name: list_payments(status, date_from, date_to, after_created_at, after_id, limit)
-- Newest first, created in [date_from, date_to) when given, a page after
-- (after_created_at, after_id) when given.
SELECT p.id, p.appointment_id, p.kind, p.amount, p.currency, p.provider, p.status,
       p.created_at, p.confirmed_at,
       coalesce((SELECT sum(r.amount) FROM refunds r
                 WHERE r.payment_id = p.id AND r.status <> 'canceled'), 0) AS refunded
FROM payments p
WHERE (CAST(:status AS text) IS NULL OR p.status = :status)
  AND (CAST(:date_from AS timestamptz) IS NULL OR p.created_at >= :date_from)
  AND (CAST(:date_to AS timestamptz) IS NULL OR p.created_at < :date_to)
  AND (CAST(:after_created_at AS timestamptz) IS NULL
       OR (p.created_at, p.id) < (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY p.created_at DESC, p.id DESC
LIMIT :limit;

-- name: payment_record(id)^
-- One payment for staff: what the list shows, the provider's side as stored, and the
-- appointment it pays for with its service's cancellation policy.
SELECT p.id, p.appointment_id, p.kind, p.amount, p.currency, p.provider, p.status,
       p.created_at, p.confirmed_at, p.provider_payment_id, p.failure_reason,
       coalesce((SELECT sum(r.amount) FROM refunds r
                 WHERE r.payment_id = p.id AND r.status <> 'canceled'), 0) AS refunded,
       s.title AS service_title, a.start_at, a.status AS appointment_status,
       s.cancel_free_hours, s.cancel_partial_hours, s.cancel_partial_refund_percent
FROM payments p
JOIN appointments a ON a.id = p.appointment_id
JOIN services s ON s.id = a.service_id
WHERE p.id = :id;

-- name: refunds_of_payment(payment_id)
-- The payment's refunds, oldest first, whatever became of them.
SELECT id, amount, currency, status, reason, provider_refund_id, created_at, updated_at
FROM refunds WHERE payment_id = :payment_id
ORDER BY created_at, id;

-- name: payment_problems(before, limit)
-- What reconciliation has not settled, newest first: provider payments still open, and
-- refunds still pending, since before :before; refunds the provider canceled (the money
-- did not go back).
SELECT p.id AS payment_id, 'payment_open' AS kind, p.amount, p.currency, p.created_at AS since
FROM payments p
WHERE p.provider = 'yookassa' AND p.status IN ('intent', 'pending', 'waiting_for_capture')
  AND p.created_at < :before
UNION ALL
SELECT r.payment_id,
       CASE WHEN r.status = 'canceled' THEN 'refund_failed'
            WHEN r.provider_refund_id IS NULL THEN 'refund_not_requested'
            ELSE 'refund_pending' END,
       r.amount, r.currency, r.updated_at
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE r.status = 'canceled'
   OR (p.provider = 'yookassa' AND r.status = 'pending' AND r.updated_at < :before)
ORDER BY since DESC
LIMIT :limit;
