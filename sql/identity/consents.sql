-- name: consent_history(user_id)
SELECT consent_type, granted, document_version, source, created_at
FROM consents WHERE user_id = :user_id
ORDER BY created_at, id;

-- name: insert_consent(id, user_id, consent_type, granted, document_version, source, created_at)!
-- Append-only: there is no update or delete (a trigger refuses both).
INSERT INTO consents (id, user_id, consent_type, granted, document_version, source, created_at)
VALUES (:id, :user_id, :consent_type, :granted, :document_version, :source, :created_at);
