-- A guest fills the intake form through the manage token: the health_data consent is
-- the guest's own (recorded on the lead, like the consents given with the booking).

-- name: lead_consent_state(lead_id, consent_type)^
-- The latest choice of that kind made by the lead.
SELECT granted FROM consents
WHERE lead_id = :lead_id AND user_id IS NULL AND consent_type = :consent_type
ORDER BY created_at DESC, id DESC
LIMIT 1;
