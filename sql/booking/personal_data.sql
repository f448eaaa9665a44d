-- Booking's part of data-subject export and erasure. The person's appointments are
-- those of the account and those of the leads bound to it (converted by staff, or on
-- the account's linked Telegram); CRM's step, which runs before booking's, moves the
-- latter to the account.

-- name: export_appointments(user_id, lead_ids)
SELECT a.id, s.title AS service, a.start_at, a.end_at, a.status, a.format, a.timezone,
       a.metadata, a.meeting_url, a.location_text, a.cancel_reason, a.canceled_at,
       a.rescheduled_from_id, a.created_at
FROM appointments a JOIN services s ON s.id = a.service_id
WHERE a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[]))
ORDER BY a.start_at, a.id;

-- name: export_intake_forms(user_id, lead_ids)
SELECT f.id, f.appointment_id, f.payload_encrypted, f.status, f.submitted_at
FROM intake_forms f JOIN appointments a ON a.id = f.appointment_id
WHERE a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[]))
ORDER BY f.created_at, f.id;

-- name: export_payments(user_id, lead_ids)
SELECT p.id, p.appointment_id, p.kind, p.amount, p.currency, p.status, p.created_at,
       p.confirmed_at
FROM payments p JOIN appointments a ON a.id = p.appointment_id
WHERE a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[]))
ORDER BY p.created_at, p.id;

-- name: export_refunds(user_id, lead_ids)
SELECT r.payment_id, r.amount, r.currency, r.status, r.reason, r.created_at
FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN appointments a ON a.id = p.appointment_id
WHERE a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[]))
ORDER BY r.created_at, r.id;

-- name: export_waitlist(user_id, lead_ids)
SELECT s.title AS service, w.preferences, w.status, w.created_at, w.offered_at
FROM waitlist_requests w JOIN services s ON s.id = w.service_id
WHERE w.user_id = :user_id OR w.lead_id = ANY(CAST(:lead_ids AS uuid[]))
ORDER BY w.created_at, w.id;

-- name: upcoming_appointments(user_id, lead_ids, now)
-- Live appointments still ahead: erasure cancels them under the service's policy.
SELECT id FROM appointments
WHERE (client_user_id = :user_id OR lead_id = ANY(CAST(:lead_ids AS uuid[])))
  AND status IN ('pending_payment', 'confirmed') AND start_at > :now
ORDER BY start_at, id;

-- name: erase_intake_forms(user_id, lead_ids)!
DELETE FROM intake_forms f USING appointments a
WHERE a.id = f.appointment_id
  AND (a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[])));

-- name: erase_waitlist(user_id, lead_ids)!
DELETE FROM waitlist_requests
WHERE user_id = :user_id OR lead_id = ANY(CAST(:lead_ids AS uuid[]));

-- name: erase_idempotency_records(user_id, lead_ids)!
-- A remembered booking answer holds the guest's manage link (encrypted).
DELETE FROM idempotency_records r USING appointments a
WHERE r.resource_id = a.id
  AND (a.client_user_id = :user_id OR a.lead_id = ANY(CAST(:lead_ids AS uuid[])));

-- name: deidentify_appointments(user_id, lead_ids, now)!
-- Appointments stay for accounting; the secret link, the free metadata, the contact
-- given with the booking and the person as the one who cancelled go. Runs last of all
-- the erasure's steps.
UPDATE appointments
SET manage_token_hash = NULL, metadata = '{}'::jsonb, contact_identity_id = NULL,
    canceled_by = CASE WHEN canceled_by = :user_id THEN NULL ELSE canceled_by END,
    updated_at = :now, version = version + 1
WHERE (client_user_id = :user_id OR lead_id = ANY(CAST(:lead_ids AS uuid[])))
  AND (manage_token_hash IS NOT NULL OR metadata <> '{}'::jsonb
       OR contact_identity_id IS NOT NULL OR canceled_by = :user_id);
