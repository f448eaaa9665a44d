-- name: consent_history(user_id)
SELECT consent_type, granted, document_version, source, created_at
FROM consents WHERE user_id = :user_id
ORDER BY created_at, id;

-- name: insert_consent(id, user_id, consent_type, granted, document_version, source, created_at)!
-- Append-only: there is no update or delete (a trigger refuses both).
INSERT INTO consents (id, user_id, consent_type, granted, document_version, source, created_at)
VALUES (:id, :user_id, :consent_type, :granted, :document_version, :source, :created_at);

-- name: granted_consents(user_id, lead_id)
-- The consent types whose latest answer is yes, of an account (with the leads staff
-- converted to it, whose consents stay on the lead) or of a guest's lead.
SELECT consent_type FROM (
    SELECT DISTINCT ON (consent_type) consent_type, granted
    FROM consents
    WHERE user_id = :user_id OR lead_id = :lead_id
       OR lead_id IN (SELECT id FROM leads WHERE converted_user_id = :user_id)
    ORDER BY consent_type, created_at DESC, id DESC
) AS latest
WHERE granted;
