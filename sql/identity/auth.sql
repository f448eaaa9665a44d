-- Login codes and sessions.

-- name: insert_login_code(id, email_normalized, code_hash, created_at, expires_at)!
INSERT INTO login_codes (id, email_normalized, code_hash, created_at, expires_at)
VALUES (:id, :email_normalized, :code_hash, :created_at, :expires_at);

-- name: count_login_codes_since(email_normalized, since)^
SELECT count(*) AS n FROM login_codes
WHERE email_normalized = :email_normalized AND created_at >= :since;

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
