-- Appointments.

-- name: lock_calendar()^
-- One practitioner, one calendar: holds and reschedules take turns (for the rest of
-- the transaction), so racing requests queue for a few milliseconds instead of
-- deadlocking inside the exclusion check. The constraint remains the guarantee.
SELECT pg_advisory_xact_lock(hashtextextended('booking:calendar', 0)) AS locked;

-- name: busy_between(start_at, end_at)
-- The blocked periods of live appointments (the exclusion constraint uses the same rule).
SELECT lower(blocked_period) AS start_at, upper(blocked_period) AS end_at
FROM appointments
WHERE status IN ('pending_payment', 'confirmed') AND blocked_period && tstzrange(:start_at, :end_at);

-- name: insert_appointment(id, service_id, client_user_id, lead_id, contact_identity_id, start_at, end_at, blocked_start, blocked_end, timezone, status, format, metadata, hold_expires_at, manage_token_hash, rescheduled_from_id, meeting_url, location_text, now)!
INSERT INTO appointments (id, service_id, client_user_id, lead_id, contact_identity_id,
                          start_at, end_at, blocked_period, timezone, status, format, metadata,
                          hold_expires_at, manage_token_hash, rescheduled_from_id, meeting_url,
                          location_text, created_at, updated_at)
VALUES (:id, :service_id, :client_user_id, :lead_id, :contact_identity_id, :start_at, :end_at,
        tstzrange(:blocked_start, :blocked_end, '[)'), :timezone, :status, :format, :metadata,
        :hold_expires_at, :manage_token_hash, :rescheduled_from_id, :meeting_url, :location_text,
        :now, :now);

-- name: get_appointment(id)^
SELECT id, service_id, client_user_id, lead_id, start_at, end_at,
       lower(blocked_period) AS blocked_start, upper(blocked_period) AS blocked_end, timezone,
       status, format, metadata, hold_expires_at, manage_token_hash, cancel_reason, canceled_at,
       canceled_by, rescheduled_from_id, reminders_sent, external_calendar_event_id, meeting_url,
       location_text, contact_identity_id, created_at, version
FROM appointments WHERE id = :id;

-- name: update_appointment(id, version, status, hold_expires_at, cancel_reason, canceled_at, canceled_by, reminders_sent, manage_token_hash, external_calendar_event_id, meeting_url, location_text, now)<!
UPDATE appointments
SET status = :status, hold_expires_at = :hold_expires_at, cancel_reason = :cancel_reason,
    manage_token_hash = :manage_token_hash,
    external_calendar_event_id = :external_calendar_event_id, meeting_url = :meeting_url,
    location_text = :location_text,
    canceled_at = :canceled_at, canceled_by = :canceled_by, reminders_sent = :reminders_sent,
    updated_at = :now, version = version + 1
WHERE id = :id AND version = :version
RETURNING version;

-- name: expired_holds(now, limit)
SELECT id FROM appointments
WHERE status = 'pending_payment' AND hold_expires_at <= :now
ORDER BY hold_expires_at
LIMIT :limit;

-- name: due_for_reminder(now, offset_label, lead_time, limit)
-- Confirmed sessions starting within the reminder's lead time that did not get it yet.
SELECT id FROM appointments
WHERE status = 'confirmed' AND start_at > :now AND start_at <= :now + :lead_time
  AND NOT (:offset_label = ANY(reminders_sent))
ORDER BY start_at
LIMIT :limit;

-- name: due_for_remainder_reminder(now, lead_time, limit)
-- Confirmed sessions starting within the lead time whose price is not paid in full (a
-- deposit was taken) and that were not reminded to pay the rest yet.
SELECT a.id FROM appointments a JOIN services s ON s.id = a.service_id
WHERE a.status = 'confirmed' AND a.start_at > :now AND a.start_at <= :now + :lead_time
  AND NOT ('remainder' = ANY(a.reminders_sent))
  AND s.price_amount > coalesce((SELECT sum(p.amount) FROM payments p
                                 WHERE p.appointment_id = a.id AND p.status = 'succeeded'), 0)
ORDER BY a.start_at
LIMIT :limit;

-- name: list_for_client(client_user_id, upcoming, now)
-- amount_paid and amount_due as in list_between.
SELECT a.id, a.start_at, a.end_at, a.status, a.format, a.timezone, s.slug AS service_slug,
       s.title AS service_title, CAST(paid.amount AS text) AS amount_paid,
       CAST(CASE WHEN a.status IN ('pending_payment', 'confirmed')
                 THEN greatest(s.price_amount - paid.amount, 0.00) ELSE 0.00 END AS text)
           AS amount_due
FROM appointments a JOIN services s ON s.id = a.service_id
CROSS JOIN LATERAL (SELECT coalesce(sum(p.amount), 0.00) AS amount FROM payments p
                    WHERE p.appointment_id = a.id AND p.status = 'succeeded') AS paid
WHERE a.client_user_id = :client_user_id
  AND ((:upcoming AND a.end_at > :now) OR (NOT :upcoming AND a.end_at <= :now))
ORDER BY CASE WHEN :upcoming THEN a.start_at END ASC, a.start_at DESC
LIMIT 200;

-- name: list_between(start_at, end_at, status)
-- amount_paid: what the client paid (before refunds); amount_due: what is left of the
-- price while the appointment is live (a deposit's remainder), else 0.00.
SELECT a.id, a.start_at, a.end_at, a.status, a.format, a.timezone, a.client_user_id, a.lead_id,
       s.slug AS service_slug, s.title AS service_title,
       CAST(paid.amount AS text) AS amount_paid,
       CAST(CASE WHEN a.status IN ('pending_payment', 'confirmed')
                 THEN greatest(s.price_amount - paid.amount, 0.00) ELSE 0.00 END AS text)
           AS amount_due
FROM appointments a JOIN services s ON s.id = a.service_id
CROSS JOIN LATERAL (SELECT coalesce(sum(p.amount), 0.00) AS amount FROM payments p
                    WHERE p.appointment_id = a.id AND p.status = 'succeeded') AS paid
WHERE a.start_at >= :start_at AND a.start_at < :end_at
  AND (CAST(:status AS text) IS NULL OR a.status = :status)
ORDER BY a.start_at
LIMIT 500;

-- name: guest_appointments_for_email(email_normalized, now, limit)
-- A guest's live, upcoming appointments booked with this e-mail (the identity given in
-- that booking): only ever used to send a fresh manage link to that same address.
SELECT a.id
FROM appointments a
JOIN lead_identities i ON i.id = a.contact_identity_id AND i.kind = 'email'
WHERE i.value_normalized = :email_normalized AND a.client_user_id IS NULL
  AND a.status IN ('pending_payment', 'confirmed') AND a.end_at > :now
ORDER BY a.start_at
LIMIT :limit;

-- name: appointment_by_manage_token(manage_token_hash)^
SELECT id FROM appointments WHERE manage_token_hash = :manage_token_hash;
