-- Identity's part of data-subject export and erasure.

-- name: export_profile(user_id)^
SELECT u.id, u.email, u.email_verified_at, u.phone, u.phone_verified_at, u.telegram_user_id,
       u.display_name,
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
-- Login-code e-mails to the user's address (sent or queued) are the person's messages.
DELETE FROM notification_deliveries d
USING login_codes c, users u
WHERE u.id = :user_id AND c.email_normalized = lower(u.email)
  AND d.recipient_kind = 'login_code' AND d.recipient_id = c.id::text;

-- name: erase_user_deliveries(user_id)!
-- Every message to the account, sent or queued: the row says who was told what, when.
-- Except a cancellation still queued: the erasure's first step cancelled the person's
-- upcoming appointments and owes them that message (with the refund); it is sent, and
-- its address wiped, like any other.
DELETE FROM notification_deliveries
WHERE recipient_kind = 'user' AND recipient_id = CAST(:user_id AS text)
  AND NOT (status = 'pending' AND template_code = 'booking.canceled');

-- name: erase_login_codes(user_id)!
DELETE FROM login_codes c USING users u
WHERE u.id = :user_id AND c.email_normalized = lower(u.email);

-- name: erase_sessions(user_id)!
DELETE FROM auth_sessions WHERE user_id = :user_id;

-- name: erase_exports(user_id)!
-- The archives and the requests: a pending one is never built for a deleted account.
DELETE FROM data_export_requests WHERE user_id = :user_id;

-- name: erase_roles(user_id)!
-- A deleted account holds no role (roles it granted others stay theirs).
DELETE FROM user_roles WHERE user_id = :user_id;

-- name: anonymise_user(user_id, now)!
-- The row stays (appointments, payments and the consent history refer to it), without
-- any contact data.
UPDATE users
SET email = NULL, email_verified_at = NULL, phone = NULL, phone_verified_at = NULL,
    telegram_user_id = NULL, display_name = NULL, status = 'deleted', deleted_at = :now,
    updated_at = :now, version = version + 1
WHERE id = :user_id;

-- name: export_alert_choices(user_id)
-- A staff member's choices of staff alerts (0043).
SELECT kind, enabled, updated_at FROM staff_notification_preferences
WHERE user_id = :user_id ORDER BY kind;

-- name: erase_alert_choices(user_id)!
DELETE FROM staff_notification_preferences WHERE user_id = :user_id;
