-- name: applied_migration_ids()
-- The migration ids yoyo has recorded as applied (read by the readiness probe).
SELECT migration_id
FROM _yoyo_migration
ORDER BY applied_at_utc;
