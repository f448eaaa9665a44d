-- Leads as other contexts need them (booking guests, contact forms).

-- name: find_lead_by_identity(kind, value_normalized)^
SELECT l.id FROM lead_identities i JOIN leads l ON l.id = i.lead_id
WHERE i.kind = :kind AND i.value_normalized = :value_normalized;

-- name: insert_lead(id, source, display_name, first_touch, now)!
INSERT INTO leads (id, status, source, display_name, first_touch, created_at, updated_at)
VALUES (:id, 'new', :source, :display_name, :first_touch, :now, :now);

-- name: insert_lead_identity(id, lead_id, kind, value, value_normalized, now)!
INSERT INTO lead_identities (id, lead_id, kind, value, value_normalized, created_at)
VALUES (:id, :lead_id, :kind, :value, :value_normalized, :now)
ON CONFLICT (kind, value_normalized) DO NOTHING;

-- name: insert_lead_consent(id, lead_id, consent_type, granted, document_version, now)!
INSERT INTO consents (id, lead_id, consent_type, granted, document_version, source, created_at)
VALUES (:id, :lead_id, :consent_type, :granted, :document_version, 'web', :now);

-- name: add_timeline_event(id, lead_id, event_type, props, now)!
INSERT INTO lead_timeline_events (id, lead_id, event_type, occurred_at, props)
VALUES (:id, :lead_id, :event_type, :now, :props);

-- name: lead_contact(lead_id)^
SELECT l.display_name,
       (SELECT value FROM lead_identities WHERE lead_id = l.id AND kind = 'email' LIMIT 1) AS email
FROM leads l WHERE l.id = :lead_id;

-- name: lock_identity(key)!
-- Serialises find-or-create for one identity, so two requests make one lead.
SELECT pg_advisory_xact_lock(hashtextextended(:key, 0));

-- name: insert_note(id, lead_id, author_id, body_encrypted, now)!
INSERT INTO lead_notes (id, lead_id, author_id, body_encrypted, created_at)
VALUES (:id, :lead_id, :author_id, :body_encrypted, :now);

-- name: list_leads(status, q, limit)
-- The CRM list; q matches the name or any identity (case-insensitive, a substring).
SELECT l.id, l.status, l.source, l.display_name, l.assigned_to, l.converted_user_id,
       l.first_touch, l.created_at, l.updated_at, l.version
FROM leads AS l
WHERE (CAST(:status AS text) IS NULL OR l.status = :status)
  AND (CAST(:q AS text) IS NULL
       OR strpos(lower(l.display_name), lower(:q)) > 0
       OR EXISTS (SELECT 1 FROM lead_identities AS i
                  WHERE i.lead_id = l.id AND strpos(i.value_normalized, lower(:q)) > 0))
ORDER BY l.created_at DESC, l.id
LIMIT :limit;

-- name: get_lead(id)^
SELECT id, status, source, display_name, assigned_to, converted_user_id, first_touch,
       created_at, updated_at, version
FROM leads WHERE id = :id;

-- name: lead_identities(lead_id)
SELECT kind, value, created_at FROM lead_identities WHERE lead_id = :lead_id ORDER BY created_at, kind;

-- name: lead_timeline(lead_id)
SELECT event_type, occurred_at, props FROM lead_timeline_events
WHERE lead_id = :lead_id ORDER BY occurred_at, id;

-- name: lead_notes(lead_id)
SELECT id, author_id, body_encrypted, created_at FROM lead_notes
WHERE lead_id = :lead_id ORDER BY created_at, id;

-- name: update_lead(id, version, status, assigned_to, now)^
UPDATE leads SET status = :status, assigned_to = :assigned_to, updated_at = :now,
                 version = version + 1
WHERE id = :id AND version = :version
RETURNING id;

-- name: convert_lead(id, user_id, now)^
UPDATE leads SET status = 'converted', converted_user_id = :user_id, updated_at = :now,
                 version = version + 1
WHERE id = :id
RETURNING id;

-- name: leads_matching_user(user_id)
-- The leads that are this user: converted to them, or sharing an e-mail, phone or
-- Telegram id with the account.
SELECT DISTINCT l.id FROM leads AS l
LEFT JOIN lead_identities AS i ON i.lead_id = l.id
JOIN users AS u ON u.id = :user_id
WHERE l.converted_user_id = u.id
   OR (i.kind = 'email' AND i.value_normalized = lower(u.email))
   OR (i.kind = 'phone' AND i.value_normalized = u.phone)
   OR (i.kind = 'telegram' AND i.value_normalized = u.telegram_user_id::text);

-- name: erase_leads(ids, user_id)!
-- Erasure: a lead's contact data, notes and timeline go; its appointments move to the
-- (de-identified) account for accounting; the row stays as the anchor of its consent
-- history, which is legal evidence and append-only.
WITH appointments_moved AS (
    UPDATE appointments SET client_user_id = coalesce(client_user_id, :user_id), lead_id = NULL
    WHERE lead_id = ANY(:ids) RETURNING id
), waitlist_gone AS (
    DELETE FROM waitlist_requests WHERE lead_id = ANY(:ids) RETURNING id
), accounts_gone AS (
    DELETE FROM telegram_accounts WHERE lead_id = ANY(:ids) RETURNING telegram_user_id
), identities_gone AS (
    DELETE FROM lead_identities WHERE lead_id = ANY(:ids) RETURNING id
), notes_gone AS (
    DELETE FROM lead_notes WHERE lead_id = ANY(:ids) RETURNING id
), timeline_gone AS (
    DELETE FROM lead_timeline_events WHERE lead_id = ANY(:ids) RETURNING id
)
UPDATE leads SET display_name = NULL, first_touch = '{}'::jsonb, status = 'lost',
                 assigned_to = NULL, version = version + 1
WHERE id = ANY(:ids);
