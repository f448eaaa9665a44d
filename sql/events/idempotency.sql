-- name: find_idempotency_record(scope, key)^
SELECT id, request_hash, response_encrypted, status_code
FROM idempotency_records WHERE scope = :scope AND key = :key;

-- name: insert_idempotency_record(id, scope, key, request_hash, resource_id, response_encrypted, status_code, now)!
INSERT INTO idempotency_records (id, scope, key, request_hash, resource_id, response_encrypted,
                                 status_code, created_at)
VALUES (:id, :scope, :key, :request_hash, :resource_id, :response_encrypted, :status_code, :now);

-- name: purge_idempotency_records(before)!
DELETE FROM idempotency_records WHERE created_at < :before;
