-- CRM's part of data-subject export (the leads themselves come from leads.sql).

-- name: export_lead_consents(ids)
-- The consent history recorded with the person's leads (append-only legal evidence).
SELECT lead_id, consent_type, granted, document_version, source, created_at
FROM consents WHERE lead_id = ANY(:ids) ORDER BY created_at, id;
