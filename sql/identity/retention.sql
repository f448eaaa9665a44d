-- name: purge_expired_login_codes(before)!
DELETE FROM login_codes WHERE expires_at < :before;

-- name: purge_expired_sessions(before)!
DELETE FROM auth_sessions WHERE expires_at < :before OR revoked_at < :before;

-- name: expire_ready_exports(now)!
UPDATE data_export_requests
SET status = 'expired', archive_encrypted = NULL, download_token_hash = NULL
WHERE status = 'ready' AND expires_at <= :now;
