-- Payments and refunds (the provider adapters decide how they reach the provider).

-- name: insert_payment(id, appointment_id, kind, amount, currency, provider, idempotence_key, status, confirmation_url, now)!
INSERT INTO payments (id, appointment_id, kind, amount, currency, provider, idempotence_key,
                      status, confirmation_url, created_at, updated_at)
VALUES (:id, :appointment_id, :kind, :amount, :currency, :provider, :idempotence_key, :status,
        :confirmation_url, :now, :now);

-- name: succeeded_payment_for(appointment_id)^
SELECT id, amount, currency FROM payments
WHERE appointment_id = :appointment_id AND status = 'succeeded'
ORDER BY confirmed_at DESC LIMIT 1;

-- name: mark_payment_succeeded(id, provider_payment_id, now)<!
UPDATE payments
SET status = 'succeeded', provider_payment_id = :provider_payment_id, confirmed_at = :now,
    updated_at = :now, version = version + 1
WHERE id = :id AND status IN ('intent', 'pending', 'waiting_for_capture')
RETURNING appointment_id;

-- name: move_payments(from_appointment_id, to_appointment_id, now)!
-- A reschedule keeps the payment (made or still open): it follows the new appointment.
UPDATE payments SET appointment_id = :to_appointment_id, updated_at = :now
WHERE appointment_id = :from_appointment_id;

-- name: insert_refund(id, payment_id, amount, currency, idempotence_key, reason, now)!
INSERT INTO refunds (id, payment_id, amount, currency, idempotence_key, status, reason,
                     created_at, updated_at)
VALUES (:id, :payment_id, :amount, :currency, :idempotence_key, 'pending', :reason, :now, :now);

-- name: settle_sandbox_refunds(appointment_id, now)!
-- The sandbox has no money to move: its refunds succeed at once.
UPDATE refunds r SET status = 'succeeded', updated_at = :now
FROM payments p
WHERE p.id = r.payment_id AND p.appointment_id = :appointment_id AND p.provider = 'sandbox'
  AND r.status = 'pending';

-- name: cancel_open_payment(id, now)<!
UPDATE payments SET status = 'canceled', failure_reason = 'canceled_by_client',
       updated_at = :now, version = version + 1
WHERE id = :id AND status IN ('intent', 'pending')
RETURNING appointment_id;

-- name: payment_for_link(id)^
-- The customer's address is read only for the 54-FZ receipt, when receipts are on: the
-- account's e-mail, or the one given with this booking (never another of the lead's).
SELECT p.id, p.appointment_id, p.amount, p.currency, p.status, p.idempotence_key,
       p.confirmation_url, p.provider_payment_id, s.title AS service_title,
       coalesce(u.email, (SELECT i.value FROM lead_identities i
                          WHERE i.id = a.contact_identity_id AND i.kind = 'email')) AS email
FROM payments p
JOIN appointments a ON a.id = p.appointment_id
JOIN services s ON s.id = a.service_id
LEFT JOIN users u ON u.id = a.client_user_id
WHERE p.id = :id;

-- name: set_payment_link(id, provider_payment_id, status, confirmation_url, now)!
UPDATE payments
SET provider_payment_id = :provider_payment_id, status = :status,
    confirmation_url = :confirmation_url, updated_at = :now, version = version + 1
WHERE id = :id AND status IN ('intent', 'pending');

-- name: list_payments(status, limit)
SELECT p.id, p.appointment_id, p.kind, p.amount, p.currency, p.provider, p.status,
       p.created_at, p.confirmed_at,
       coalesce((SELECT sum(r.amount) FROM refunds r
                 WHERE r.payment_id = p.id AND r.status <> 'canceled'), 0) AS refunded
FROM payments p
WHERE CAST(:status AS text) IS NULL OR p.status = :status
ORDER BY p.created_at DESC
LIMIT :limit;

-- name: refundable(id)^
SELECT p.id, p.appointment_id, p.amount, p.currency, p.provider, p.status,
       coalesce((SELECT sum(r.amount) FROM refunds r
                 WHERE r.payment_id = p.id AND r.status <> 'canceled'), 0) AS refunded
FROM payments p WHERE p.id = :id FOR UPDATE;

-- name: open_payment_for(appointment_id)^
SELECT id, status, confirmation_url FROM payments
WHERE appointment_id = :appointment_id AND status IN ('intent', 'pending')
ORDER BY created_at DESC LIMIT 1;
