-- name: get_intake(appointment_id)^
SELECT id, appointment_id, payload_encrypted, status, submitted_at, updated_at, version
FROM intake_forms WHERE appointment_id = :appointment_id;

-- name: insert_intake(id, appointment_id, payload_encrypted, status, submitted_at, now)!
INSERT INTO intake_forms (id, appointment_id, payload_encrypted, status, submitted_at,
                          created_at, updated_at)
VALUES (:id, :appointment_id, :payload_encrypted, :status, :submitted_at, :now, :now);

-- name: update_intake(id, version, payload_encrypted, status, submitted_at, now)<!
UPDATE intake_forms
SET payload_encrypted = :payload_encrypted, status = :status, submitted_at = :submitted_at,
    updated_at = :now, version = version + 1
WHERE id = :id AND version = :version AND status = 'draft'
RETURNING version;
