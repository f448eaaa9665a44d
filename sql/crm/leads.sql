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
