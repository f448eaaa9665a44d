-- Leads as other contexts need them (booking guests, contact forms). A public request
-- always makes its own lead: no query here looks a lead up by a contact to act on it.

-- name: insert_lead(id, source, display_name, first_touch, now)!
INSERT INTO leads (id, status, source, display_name, first_touch, created_at, updated_at)
VALUES (:id, 'new', :source, :display_name, :first_touch, :now, :now);

-- name: insert_lead_identity(id, lead_id, kind, value, value_normalized, now)!
INSERT INTO lead_identities (id, lead_id, kind, value, value_normalized, created_at)
VALUES (:id, :lead_id, :kind, :value, :value_normalized, :now);

-- name: insert_lead_consent(id, lead_id, consent_type, granted, document_version, now)!
INSERT INTO consents (id, lead_id, consent_type, granted, document_version, source, created_at)
VALUES (:id, :lead_id, :consent_type, :granted, :document_version, 'web', :now);

-- name: add_timeline_event(id, lead_id, event_type, props, now)!
INSERT INTO lead_timeline_events (id, lead_id, event_type, occurred_at, props)
VALUES (:id, :lead_id, :event_type, :now, :props);

-- name: lead_contact(lead_id, identity_id)^
-- The name of the lead and the one e-mail given with a booking or request (its
-- identity id is stored on it); never "some e-mail of the lead".
SELECT l.display_name, i.value AS email
FROM leads AS l
LEFT JOIN lead_identities AS i ON i.id = :identity_id AND i.lead_id = l.id AND i.kind = 'email'
WHERE l.id = :lead_id;

-- name: insert_note(id, lead_id, author_id, body_encrypted, now)!
INSERT INTO lead_notes (id, lead_id, author_id, body_encrypted, created_at)
VALUES (:id, :lead_id, :author_id, :body_encrypted, :now);

-- name: list_leads(status, q, limit, after_created_at, after_id)
-- The CRM list, newest first, a page after (after_created_at, after_id) when given; q
-- matches the name or any identity (case-insensitive, a substring). The application
-- runs search_leads instead when q is given; this form stays for q = NULL.
SELECT l.id, l.status, l.source, l.display_name, l.assigned_to, l.converted_user_id,
       l.first_touch, l.created_at, l.updated_at, l.version
FROM leads AS l
WHERE l.merged_into_id IS NULL
  AND (CAST(:status AS text) IS NULL OR l.status = :status)
  AND (CAST(:q AS text) IS NULL
       OR strpos(lower(l.display_name), lower(:q)) > 0
       OR EXISTS (SELECT 1 FROM lead_identities AS i
                  WHERE i.lead_id = l.id AND strpos(i.value_normalized, lower(:q)) > 0))
  AND (CAST(:after_created_at AS timestamptz) IS NULL
       OR (l.created_at, l.id) < (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY l.created_at DESC, l.id DESC
LIMIT :limit;

-- name: search_leads(status, pattern, limit, after_created_at, after_id)
-- The CRM list filtered by q: the same page and order as list_leads, but the matches
-- come first from the trigram indexes on the name (0057) and on the identities (0058),
-- so a rare term reads its few leads instead of walking every lead. MATERIALIZED and
-- the LATERAL … OFFSET 0 keep that order of work in a generic plan too, where the
-- pattern is unknown and the planner would rather walk all leads newest first. pattern
-- is '%' || lower(q) || '%' with q's own LIKE wildcards escaped (by the adapter). A
-- term most leads match reads them all (as any plan would).
WITH matched AS MATERIALIZED (
    SELECT m.id FROM leads AS m
    WHERE m.merged_into_id IS NULL AND lower(m.display_name) LIKE :pattern
    UNION
    SELECT i.lead_id FROM lead_identities AS i WHERE i.value_normalized LIKE :pattern
)
SELECT l.id, l.status, l.source, l.display_name, l.assigned_to, l.converted_user_id,
       l.first_touch, l.created_at, l.updated_at, l.version
FROM matched
CROSS JOIN LATERAL (SELECT * FROM leads AS one WHERE one.id = matched.id OFFSET 0) AS l
WHERE l.merged_into_id IS NULL
  AND (CAST(:status AS text) IS NULL OR l.status = :status)
  AND (CAST(:after_created_at AS timestamptz) IS NULL
       OR (l.created_at, l.id) < (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY l.created_at DESC, l.id DESC
LIMIT :limit;

-- name: get_lead(id)^
-- A lead merged into another is not a lead any more (its row anchors consents only).
SELECT id, status, source, display_name, assigned_to, converted_user_id, first_touch,
       created_at, updated_at, version
FROM leads WHERE id = :id AND merged_into_id IS NULL;

-- name: merge_suggestions(lead_id)
-- Other leads that gave one of this lead's contacts: a suggestion for staff, who decide.
SELECT DISTINCT o.lead_id AS id, o.kind
FROM lead_identities AS mine
JOIN lead_identities AS o ON o.kind = mine.kind AND o.value_normalized = mine.value_normalized
WHERE mine.lead_id = :lead_id AND o.lead_id <> :lead_id
ORDER BY o.lead_id, o.kind
LIMIT 20;

-- name: merge_leads(source_id, target_id, now)^
-- Staff merge (audited by the caller): everything of the source lead moves to the
-- target except its consents (append-only legal evidence), which stay on the source row,
-- kept as merged_into the target. Identities keep their ids, so a booking's contact stays
-- the one given with it.
WITH identities_moved AS (
    UPDATE lead_identities SET lead_id = :target_id WHERE lead_id = :source_id RETURNING id
), timeline_moved AS (
    UPDATE lead_timeline_events SET lead_id = :target_id WHERE lead_id = :source_id RETURNING id
), notes_moved AS (
    UPDATE lead_notes SET lead_id = :target_id WHERE lead_id = :source_id RETURNING id
), appointments_moved AS (
    UPDATE appointments SET lead_id = :target_id WHERE lead_id = :source_id RETURNING id
), waitlist_moved AS (
    UPDATE waitlist_requests SET lead_id = :target_id WHERE lead_id = :source_id RETURNING id
), links_moved AS (
    UPDATE deep_links SET lead_id = :target_id WHERE lead_id = :source_id RETURNING id
), accounts_moved AS (
    UPDATE telegram_accounts SET lead_id = :target_id, updated_at = :now
    WHERE lead_id = :source_id RETURNING telegram_user_id
), source_kept AS (
    UPDATE leads SET merged_into_id = :target_id, display_name = NULL, status = 'lost',
                     assigned_to = NULL, updated_at = :now, version = version + 1
    WHERE id = :source_id RETURNING converted_user_id
)
UPDATE leads SET updated_at = :now, version = version + 1,
                 converted_user_id = coalesce(converted_user_id,
                                              (SELECT converted_user_id FROM source_kept)),
                 status = CASE WHEN converted_user_id IS NULL
                                    AND (SELECT converted_user_id FROM source_kept) IS NOT NULL
                               THEN 'converted' ELSE status END
WHERE id = :target_id
RETURNING id;

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
-- Staff (audited by the caller) decided the lead is this account's person: the lead is
-- linked to it and its appointments (with their intake forms, which hang off them) and
-- waitlist requests become the account's, so the client sees them in the cabinet. The
-- lead's own timeline, notes and consents stay on the lead, which now names the account.
-- Nothing happens when the lead (or the account) is missing, merged or erased.
WITH target AS (
    SELECT l.id FROM leads AS l
    WHERE l.id = :id AND l.merged_into_id IS NULL
      AND EXISTS (SELECT 1 FROM users AS u WHERE u.id = :user_id AND u.deleted_at IS NULL)
), appointments_moved AS (
    UPDATE appointments SET client_user_id = :user_id, updated_at = :now, version = version + 1
    WHERE lead_id IN (SELECT id FROM target) AND client_user_id IS NULL RETURNING id
), waitlist_moved AS (
    UPDATE waitlist_requests SET user_id = :user_id, updated_at = :now
    WHERE lead_id IN (SELECT id FROM target) AND user_id IS NULL RETURNING id
)
UPDATE leads SET status = 'converted', converted_user_id = :user_id, updated_at = :now,
                 version = version + 1
WHERE id IN (SELECT id FROM target)
RETURNING id;

-- name: add_booking_event(id, appointment_id, event_type, props, now)^
-- A step of a booking's life on the appointment's lead, once per appointment and step.
INSERT INTO lead_timeline_events (id, lead_id, event_type, occurred_at, props)
SELECT :id, a.lead_id, :event_type, :now, :props
FROM appointments AS a
WHERE a.id = :appointment_id AND a.lead_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM lead_timeline_events AS e
      WHERE e.lead_id = a.lead_id AND e.event_type = :event_type
        AND e.props ->> 'appointment' = CAST(:appointment_id AS text))
RETURNING id;

-- name: leads_matching_user(user_id)
-- The leads that are this user, for export and erasure: converted to the account by
-- staff (audited), or attached to a Telegram account linked to it (a signed Telegram
-- login, or a link its owner confirmed), and the leads staff merged into those. Never a
-- lead that merely shares an e-mail, a phone or a Telegram id with the account: a
-- contact given in a public request is a claim, not proof of who gave it.
WITH RECURSIVE bound (id) AS (
    SELECT l.id FROM leads AS l WHERE l.converted_user_id = :user_id
    UNION
    SELECT a.lead_id FROM telegram_accounts AS a
    WHERE a.user_id = :user_id AND a.lead_id IS NOT NULL
    UNION
    SELECT m.id FROM leads AS m JOIN bound AS b ON m.merged_into_id = b.id
)
SELECT id FROM bound ORDER BY id;

-- name: erase_leads(ids, user_id, now)!
-- Erasure: a lead's contacts, notes, timeline and the messages queued to it go; its
-- appointments move to the (de-identified) account for accounting (booking's step, which
-- runs after this one, cancels and de-identifies them); the row stays, emptied and no
-- longer linked to the account, as the anchor of its consent history, which is legal
-- evidence and append-only. Waitlist requests, Telegram accounts and deep links of the
-- lead are removed by their own contexts' steps.
WITH appointments_moved AS (
    -- A guest's erasure (no account, :user_id NULL) leaves them on the lead's empty row.
    UPDATE appointments SET client_user_id = coalesce(client_user_id, :user_id),
                            lead_id = CASE WHEN CAST(:user_id AS uuid) IS NULL THEN lead_id END
    WHERE lead_id = ANY(:ids) RETURNING id
), identities_gone AS (
    DELETE FROM lead_identities WHERE lead_id = ANY(:ids) RETURNING id
), notes_gone AS (
    DELETE FROM lead_notes WHERE lead_id = ANY(:ids) RETURNING id
), timeline_gone AS (
    DELETE FROM lead_timeline_events WHERE lead_id = ANY(:ids) RETURNING id
), deliveries_gone AS (
    DELETE FROM notification_deliveries
    WHERE recipient_kind = 'lead' AND recipient_id = ANY(CAST(:ids AS text[])) RETURNING id
)
UPDATE leads SET display_name = NULL, first_touch = '{}'::jsonb, status = 'lost',
                 assigned_to = NULL, converted_user_id = NULL, updated_at = :now,
                 version = version + 1
WHERE id = ANY(:ids);
