-- Booking's part of data-subject export and erasure.

-- name: export_appointments(user_id)
SELECT a.id, s.title AS service, a.start_at, a.end_at, a.status, a.format, a.timezone,
       a.created_at
FROM appointments a JOIN services s ON s.id = a.service_id
WHERE a.client_user_id = :user_id ORDER BY a.start_at;

-- name: export_intake_forms(user_id)
SELECT f.id, f.appointment_id, f.payload_encrypted, f.status, f.submitted_at
FROM intake_forms f JOIN appointments a ON a.id = f.appointment_id
WHERE a.client_user_id = :user_id ORDER BY f.created_at;

-- name: export_payments(user_id)
SELECT p.appointment_id, p.amount, p.currency, p.status, p.confirmed_at
FROM payments p JOIN appointments a ON a.id = p.appointment_id
WHERE a.client_user_id = :user_id ORDER BY p.created_at;

-- name: erase_intake_forms(user_id)!
DELETE FROM intake_forms f USING appointments a
WHERE a.id = f.appointment_id AND a.client_user_id = :user_id;

-- name: erase_waitlist(user_id)!
DELETE FROM waitlist_requests WHERE user_id = :user_id;

-- name: deidentify_appointments(user_id)!
-- Appointments stay for accounting; the secret link and free metadata go.
UPDATE appointments SET manage_token_hash = NULL, metadata = '{}'::jsonb
WHERE client_user_id = :user_id;
