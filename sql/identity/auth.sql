-- Login codes and sessions.

-- name: insert_login_code(id, email_normalized, code_hash, created_at, expires_at)!
INSERT INTO login_codes (id, email_normalized, code_hash, created_at, expires_at)
VALUES (:id, :email_normalized, :code_hash, :created_at, :expires_at);

-- name: login_codes_sent_since(email_normalized, since)
-- The backoff and the daily cap of wrong guesses read these (codes are kept a day past
-- their expiry by the retention job, so a day's codes are all still here).
SELECT created_at, attempts FROM login_codes
WHERE email_normalized = :email_normalized AND created_at >= :since
ORDER BY created_at DESC;

-- name: login_locked_until(email_hash, now)^
SELECT locked_until FROM login_lockouts
WHERE email_hash = :email_hash AND locked_until > :now;

-- name: lock_login(id, email_hash, now, locked_until)<!
-- A row only when the address was not locked (or its lock had ended): one notice a lock.
INSERT INTO login_lockouts (email_hash, id, locked_at, locked_until)
VALUES (:email_hash, :id, :now, :locked_until)
ON CONFLICT (email_hash) DO UPDATE
SET id = excluded.id, locked_at = excluded.locked_at, locked_until = excluded.locked_until
WHERE login_lockouts.locked_until <= excluded.locked_at
RETURNING id;

-- name: purge_ended_login_lockouts(now)!
-- Rows another transaction is purging are skipped, never waited for.
DELETE FROM login_lockouts WHERE email_hash IN (
    SELECT email_hash FROM login_lockouts WHERE locked_until < :now FOR UPDATE SKIP LOCKED
);

-- name: accept_telegram_login(signature_hash, expires_at)<!
-- No row when this payload was accepted before: a replay.
INSERT INTO telegram_login_payloads (signature_hash, expires_at)
VALUES (:signature_hash, :expires_at)
ON CONFLICT (signature_hash) DO NOTHING
RETURNING signature_hash;

-- name: purge_stale_telegram_logins(now)!
-- Rows another transaction is purging are skipped, never waited for.
DELETE FROM telegram_login_payloads WHERE signature_hash IN (
    SELECT signature_hash FROM telegram_login_payloads WHERE expires_at < :now
    FOR UPDATE SKIP LOCKED
);

-- name: latest_usable_login_code(email_normalized, now, max_attempts)^
-- Only the newest unused code counts: requesting a new one retires the previous.
SELECT id, code_hash, attempts, expires_at FROM (
    SELECT id, code_hash, attempts, expires_at
    FROM login_codes
    WHERE email_normalized = :email_normalized AND consumed_at IS NULL
    ORDER BY created_at DESC, id DESC
    LIMIT 1
    FOR UPDATE
) newest
WHERE expires_at > :now AND attempts < :max_attempts;

-- name: register_login_code_failure(id)!
UPDATE login_codes SET attempts = attempts + 1 WHERE id = :id;

-- name: consume_login_code(id, now)<!
UPDATE login_codes SET consumed_at = :now WHERE id = :id AND consumed_at IS NULL
RETURNING id;

-- name: insert_session(id, user_id, token_hash, created_at, expires_at)!
INSERT INTO auth_sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
VALUES (:id, :user_id, :token_hash, :created_at, :expires_at, :created_at);

-- name: find_session(token_hash)^
SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.revoked_at, u.status AS user_status,
       coalesce(array_agg(r.role_code) FILTER (WHERE r.role_code IS NOT NULL), '{}') AS roles
FROM auth_sessions s
JOIN users u ON u.id = s.user_id
LEFT JOIN user_roles r ON r.user_id = u.id
WHERE s.token_hash = :token_hash
GROUP BY s.id, u.status;

-- name: touch_session(id, now)!
UPDATE auth_sessions SET last_seen_at = :now WHERE id = :id;

-- name: revoke_session(id, now)!
UPDATE auth_sessions SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL;

-- name: revoke_user_sessions(user_id, now)!
UPDATE auth_sessions SET revoked_at = :now WHERE user_id = :user_id AND revoked_at IS NULL;
