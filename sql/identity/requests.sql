-- Data-subject requests: exports and erasure.

-- name: insert_export(id, user_id, now)!
INSERT INTO data_export_requests (id, user_id, status, requested_at)
VALUES (:id, :user_id, 'pending', :now);

-- name: get_export(id, user_id)^
SELECT id, user_id, status, requested_at, ready_at, expires_at
FROM data_export_requests WHERE id = :id AND user_id = :user_id;

-- name: mark_export_ready(id, archive_encrypted, download_token_hash, now, expires_at)!
UPDATE data_export_requests
SET status = 'ready', archive_encrypted = :archive_encrypted,
    download_token_hash = :download_token_hash, ready_at = :now, expires_at = :expires_at
WHERE id = :id AND status = 'pending';

-- name: mark_export_failed(id)!
UPDATE data_export_requests SET status = 'failed' WHERE id = :id AND status = 'pending';

-- name: take_export_for_download(id, user_id, download_token_hash, now)^
-- One time only: the archive leaves the database as it is handed over.
UPDATE data_export_requests d
SET status = 'downloaded', archive_encrypted = NULL, download_token_hash = NULL
FROM (
    SELECT id, archive_encrypted FROM data_export_requests
    WHERE id = :id AND user_id = :user_id AND status = 'ready'
      AND download_token_hash = :download_token_hash AND expires_at > :now
    FOR UPDATE
) ready
WHERE d.id = ready.id
RETURNING ready.archive_encrypted;

-- name: insert_erasure(id, user_id, now)!
INSERT INTO erasure_requests (id, user_id, status, requested_at) VALUES (:id, :user_id, 'pending', :now);

-- name: mark_erasure_done(id, now)!
UPDATE erasure_requests SET status = 'done', completed_at = :now
WHERE id = :id AND status = 'pending';
