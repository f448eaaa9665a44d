-- name: get_setting(key)^
SELECT value FROM system_settings WHERE key = :key;
