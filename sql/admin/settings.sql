-- name: get_setting(key)^
SELECT value FROM system_settings WHERE key = :key;

-- name: list_settings()
SELECT key, value, updated_at, updated_by FROM system_settings ORDER BY key;

-- name: get_setting_row(key)^
SELECT key, value, updated_at, updated_by FROM system_settings WHERE key = :key;

-- name: put_setting(key, value, updated_by, now)!
INSERT INTO system_settings (key, value, updated_at, updated_by)
VALUES (:key, :value, :now, :updated_by)
ON CONFLICT (key) DO UPDATE
SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by;
