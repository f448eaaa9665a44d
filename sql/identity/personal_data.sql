-- Identity's part of data-subject export and erasure.

-- name: export_profile(user_id)^
SELECT u.id, u.email, u.email_verified_at, u.phone, u.telegram_user_id, u.display_name,
       u.timezone, u.locale, u.status, u.created_at,
       coalesce(array_agg(r.role_code) FILTER (WHERE r.role_code IS NOT NULL), '{}') AS roles
FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
WHERE u.id = :user_id GROUP BY u.id;

-- name: export_sessions(user_id)
SELECT created_at, last_seen_at, expires_at, revoked_at
FROM auth_sessions WHERE user_id = :user_id ORDER BY created_at;

-- name: export_requests(user_id)
SELECT 'export' AS kind, status, requested_at FROM data_export_requests WHERE user_id = :user_id
UNION ALL
SELECT 'erasure', status, requested_at FROM erasure_requests WHERE user_id = :user_id
ORDER BY requested_at;

-- name: erase_login_deliveries(user_id)!
-- Queued login-code e-mails to the user's address: drop the encrypted address.
UPDATE notification_deliveries d
SET payload_encrypted = NULL, status = CASE WHEN d.status = 'pending' THEN 'skipped' ELSE d.status END
FROM login_codes c, users u
WHERE u.id = :user_id AND c.email_normalized = lower(u.email)
  AND d.recipient_kind = 'login_code' AND d.recipient_id = c.id::text
  AND (d.payload_encrypted IS NOT NULL OR d.status = 'pending');

-- name: erase_user_deliveries(user_id)!
UPDATE notification_deliveries
SET payload_encrypted = NULL, status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END
WHERE recipient_kind = 'user' AND recipient_id = CAST(:user_id AS text)
  AND (payload_encrypted IS NOT NULL OR status = 'pending');

-- name: erase_login_codes(user_id)!
DELETE FROM login_codes c USING users u
WHERE u.id = :user_id AND c.email_normalized = lower(u.email);

-- name: erase_sessions(user_id)!
DELETE FROM auth_sessions WHERE user_id = :user_id;

-- name: erase_exports(user_id)!
UPDATE data_export_requests
SET archive_encrypted = NULL, download_token_hash = NULL,
    status = CASE WHEN status IN ('pending', 'ready') THEN 'expired' ELSE status END
WHERE user_id = :user_id AND (archive_encrypted IS NOT NULL OR status IN ('pending', 'ready'));

-- name: erase_telegram_accounts(user_id)!
DELETE FROM telegram_accounts WHERE user_id = :user_id;

-- name: anonymise_user(user_id, now)!
-- The row stays (appointments and payments refer to it), without any contact data.
UPDATE users
SET email = NULL, email_verified_at = NULL, phone = NULL, telegram_user_id = NULL,
    display_name = NULL, status = 'deleted', deleted_at = :now, updated_at = :now,
    version = version + 1
WHERE id = :user_id;
