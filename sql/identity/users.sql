-- Users and their roles.

-- name: get_user(id)^
SELECT u.id, u.email, u.email_verified_at, u.phone, u.telegram_user_id, u.display_name,
       u.timezone, u.locale, u.status, u.created_at, u.version, u.phone_verified_at,
       coalesce(array_agg(r.role_code ORDER BY r.role_code)
                FILTER (WHERE r.role_code IS NOT NULL), '{}') AS roles
FROM users u
LEFT JOIN user_roles r ON r.user_id = u.id
WHERE u.id = :id
GROUP BY u.id;

-- name: find_user_by_email(email_normalized)^
-- Deleted (erased) users have no e-mail any more; blocked ones are found (and refused).
SELECT u.id, u.email, u.email_verified_at, u.phone, u.telegram_user_id, u.display_name,
       u.timezone, u.locale, u.status, u.created_at, u.version, u.phone_verified_at,
       coalesce(array_agg(r.role_code ORDER BY r.role_code)
                FILTER (WHERE r.role_code IS NOT NULL), '{}') AS roles
FROM users u
LEFT JOIN user_roles r ON r.user_id = u.id
WHERE lower(u.email) = :email_normalized AND u.deleted_at IS NULL
GROUP BY u.id;

-- name: find_user_by_telegram(telegram_user_id)^
SELECT u.id, u.email, u.email_verified_at, u.phone, u.telegram_user_id, u.display_name,
       u.timezone, u.locale, u.status, u.created_at, u.version, u.phone_verified_at,
       coalesce(array_agg(r.role_code ORDER BY r.role_code)
                FILTER (WHERE r.role_code IS NOT NULL), '{}') AS roles
FROM users u
LEFT JOIN user_roles r ON r.user_id = u.id
WHERE u.telegram_user_id = :telegram_user_id AND u.deleted_at IS NULL
GROUP BY u.id;

-- name: list_users(after, limit)
-- Keyset pagination by id.
SELECT u.id, u.email, u.email_verified_at, u.phone, u.telegram_user_id, u.display_name,
       u.timezone, u.locale, u.status, u.created_at, u.version, u.phone_verified_at,
       coalesce(array_agg(r.role_code ORDER BY r.role_code)
                FILTER (WHERE r.role_code IS NOT NULL), '{}') AS roles
FROM users u
LEFT JOIN user_roles r ON r.user_id = u.id
WHERE u.deleted_at IS NULL AND (CAST(:after AS uuid) IS NULL OR u.id > :after)
GROUP BY u.id
ORDER BY u.id
LIMIT :limit;

-- name: insert_user(id, email, phone, telegram_user_id, display_name, timezone, locale, status, created_at)!
INSERT INTO users (id, email, phone, telegram_user_id, display_name, timezone, locale, status,
                   created_at, updated_at)
VALUES (:id, :email, :phone, :telegram_user_id, :display_name, :timezone, :locale, :status,
        :created_at, :created_at);

-- name: update_profile(id, version, display_name, timezone, locale, phone, now)<!
-- A new phone is an unverified claim: it grants nothing until confirmed by a code.
UPDATE users
SET display_name = :display_name, timezone = :timezone, locale = :locale, phone = :phone,
    phone_verified_at = CASE WHEN phone IS NOT DISTINCT FROM :phone THEN phone_verified_at END,
    updated_at = :now, version = version + 1
WHERE id = :id AND version = :version
RETURNING version;

-- name: mark_email_verified(id, now)!
UPDATE users SET email_verified_at = :now, updated_at = :now
WHERE id = :id AND email_verified_at IS NULL;

-- name: set_status(id, status, now)!
UPDATE users SET status = :status, updated_at = :now, version = version + 1
WHERE id = :id AND status <> 'deleted';

-- name: delete_roles_except(user_id, roles)!
DELETE FROM user_roles WHERE user_id = :user_id AND NOT (role_code = ANY(:roles));

-- name: grant_roles(user_id, roles, granted_by)!
INSERT INTO user_roles (user_id, role_code, granted_by)
SELECT :user_id, unnest(CAST(:roles AS text[])), :granted_by
ON CONFLICT DO NOTHING;
