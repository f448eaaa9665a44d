-- name: purge_expired_login_codes(before)!
DELETE FROM login_codes WHERE expires_at < :before;

-- name: purge_expired_sessions(before)!
DELETE FROM auth_sessions WHERE expires_at < :before OR revoked_at < :before;

-- name: expire_ready_exports(now)!
UPDATE data_export_requests
SET status = 'expired', archive_encrypted = NULL, download_token_hash = NULL
WHERE status = 'ready' AND expires_at <= :now;

-- name: purge_finished_exports(before)!
-- Export requests whose archive is gone (downloaded, expired, failed) stay for a while so
-- the person still sees what became of their request; then the row goes too.
DELETE FROM data_export_requests
WHERE status IN ('downloaded', 'expired', 'failed')
  AND coalesce(expires_at, requested_at) < :before;
