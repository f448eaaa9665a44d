-- The owner's day: appointments with who, what, where, the payment and the intake form;
-- one appointment's record with its history.

-- name: staff_day(start_at, end_at, status, after_id, limit)
-- Keyset pages over (start_at, id); after_id is the last row of the previous page.
SELECT a.id, a.start_at, a.end_at, a.status, a.format, a.timezone, a.client_user_id,
       a.lead_id, a.meeting_url, a.location_text, s.id AS service_id, s.slug AS service_slug,
       s.title AS service_title,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.display_name ELSE l.display_name END
           AS client_name,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.email ELSE le.value END AS client_email,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.phone ELSE lp.value END AS client_phone,
       COALESCE(p.paid, 0) AS amount_paid, COALESCE(p.refunded, 0) AS amount_refunded,
       COALESCE(p.open, false) AS payment_open, COALESCE(p.currency, 'RUB') AS currency,
       f.status AS intake_status,
       (f.status = 'submitted' AND EXISTS (
            SELECT 1 FROM audit_log_entries AS v
            WHERE v.entity_type = 'appointment' AND v.entity_id = a.id::text
              AND v.action = 'intake_form.read' AND v.occurred_at >= f.submitted_at
       )) AS intake_viewed
FROM appointments AS a
JOIN services AS s ON s.id = a.service_id
LEFT JOIN users AS u ON u.id = a.client_user_id
LEFT JOIN leads AS l ON l.id = a.lead_id
LEFT JOIN LATERAL (
    SELECT i.value FROM lead_identities AS i
    WHERE i.lead_id = a.lead_id AND i.kind = 'email'
    ORDER BY (i.id = a.contact_identity_id) DESC, i.created_at DESC LIMIT 1
) AS le ON true
LEFT JOIN LATERAL (
    SELECT i.value FROM lead_identities AS i
    WHERE i.lead_id = a.lead_id AND i.kind = 'phone'
    ORDER BY i.created_at DESC LIMIT 1
) AS lp ON true
LEFT JOIN LATERAL (
    SELECT sum(pm.amount) FILTER (WHERE pm.status = 'succeeded') AS paid,
           (SELECT sum(r.amount) FROM refunds AS r JOIN payments AS rp ON rp.id = r.payment_id
            WHERE rp.appointment_id = a.id AND r.status = 'succeeded') AS refunded,
           bool_or(pm.status IN ('intent', 'pending', 'waiting_for_capture')) AS open,
           min(pm.currency) AS currency
    FROM payments AS pm WHERE pm.appointment_id = a.id
) AS p ON true
LEFT JOIN intake_forms AS f ON f.appointment_id = a.id
WHERE a.start_at >= :start_at AND a.start_at < :end_at
  AND (CAST(:status AS text) IS NULL OR a.status = :status)
  AND (CAST(:after_id AS uuid) IS NULL
       OR (a.start_at, a.id) > (SELECT b.start_at, b.id FROM appointments AS b
                                WHERE b.id = CAST(:after_id AS uuid)))
ORDER BY a.start_at, a.id
LIMIT :limit;

-- name: staff_record(id)^
-- One appointment as the day list shows it, plus its lifecycle fields.
SELECT a.id, a.start_at, a.end_at, a.status, a.format, a.timezone, a.client_user_id,
       a.lead_id, a.meeting_url, a.location_text, s.id AS service_id, s.slug AS service_slug,
       s.title AS service_title,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.display_name ELSE l.display_name END
           AS client_name,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.email ELSE le.value END AS client_email,
       CASE WHEN a.client_user_id IS NOT NULL THEN u.phone ELSE lp.value END AS client_phone,
       COALESCE(p.paid, 0) AS amount_paid, COALESCE(p.refunded, 0) AS amount_refunded,
       COALESCE(p.open, false) AS payment_open, COALESCE(p.currency, 'RUB') AS currency,
       f.status AS intake_status,
       (f.status = 'submitted' AND EXISTS (
            SELECT 1 FROM audit_log_entries AS v
            WHERE v.entity_type = 'appointment' AND v.entity_id = a.id::text
              AND v.action = 'intake_form.read' AND v.occurred_at >= f.submitted_at
       )) AS intake_viewed,
       a.created_at, a.hold_expires_at, a.cancel_reason, a.canceled_at, a.rescheduled_from_id,
       (SELECT n.id FROM appointments AS n WHERE n.rescheduled_from_id = a.id
        ORDER BY n.created_at DESC LIMIT 1) AS rescheduled_to_id,
       a.reminders_sent, a.metadata, a.version
FROM appointments AS a
JOIN services AS s ON s.id = a.service_id
LEFT JOIN users AS u ON u.id = a.client_user_id
LEFT JOIN leads AS l ON l.id = a.lead_id
LEFT JOIN LATERAL (
    SELECT i.value FROM lead_identities AS i
    WHERE i.lead_id = a.lead_id AND i.kind = 'email'
    ORDER BY (i.id = a.contact_identity_id) DESC, i.created_at DESC LIMIT 1
) AS le ON true
LEFT JOIN LATERAL (
    SELECT i.value FROM lead_identities AS i
    WHERE i.lead_id = a.lead_id AND i.kind = 'phone'
    ORDER BY i.created_at DESC LIMIT 1
) AS lp ON true
LEFT JOIN LATERAL (
    SELECT sum(pm.amount) FILTER (WHERE pm.status = 'succeeded') AS paid,
           (SELECT sum(r.amount) FROM refunds AS r JOIN payments AS rp ON rp.id = r.payment_id
            WHERE rp.appointment_id = a.id AND r.status = 'succeeded') AS refunded,
           bool_or(pm.status IN ('intent', 'pending', 'waiting_for_capture')) AS open,
           min(pm.currency) AS currency
    FROM payments AS pm WHERE pm.appointment_id = a.id
) AS p ON true
LEFT JOIN intake_forms AS f ON f.appointment_id = a.id
WHERE a.id = :id;

-- name: staff_history(id, recipient_kind, recipient_id, dedupe_prefix)
-- What happened to one appointment, oldest first: its domain events (status changes,
-- reschedules), payments and refunds, messages queued for it and staff actions.
SELECT at, kind, what, detail FROM (
    SELECT o.occurred_at AS at, 'event' AS kind, o.event_type AS what,
           o.payload - 'aggregate_id' - 'event_id' - 'occurred_at' AS detail
    FROM outbox_events AS o
    WHERE o.aggregate_type = 'appointment' AND o.aggregate_id = CAST(:id AS text)
    UNION ALL
    SELECT pm.created_at, 'payment', pm.status,
           jsonb_build_object('payment_id', pm.id, 'kind', pm.kind, 'amount', pm.amount::text,
                              'currency', pm.currency, 'confirmed_at', pm.confirmed_at)
    FROM payments AS pm WHERE pm.appointment_id = :id
    UNION ALL
    SELECT r.created_at, 'refund', r.status,
           jsonb_build_object('refund_id', r.id, 'payment_id', r.payment_id,
                              'amount', r.amount::text, 'currency', r.currency,
                              'reason', r.reason)
    FROM refunds AS r JOIN payments AS rp ON rp.id = r.payment_id
    WHERE rp.appointment_id = :id
    UNION ALL
    SELECT d.created_at, 'message', d.template_code,
           jsonb_build_object('channel', d.channel, 'status', d.status, 'sent_at', d.sent_at)
    FROM notification_deliveries AS d
    WHERE d.recipient_kind = :recipient_kind AND d.recipient_id = :recipient_id
      AND left(d.dedupe_key, length(:dedupe_prefix)) = :dedupe_prefix
    UNION ALL
    SELECT e.occurred_at, 'staff', e.action,
           jsonb_build_object('actor_role', e.actor_role)
    FROM audit_log_entries AS e
    WHERE e.entity_type = 'appointment' AND e.entity_id = CAST(:id AS text)
      AND e.action <> 'appointment.read'
) AS h
ORDER BY at, kind
LIMIT 500;
