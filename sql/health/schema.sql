-- name: applied_migration_ids()
-- The migration ids yoyo has recorded as applied (read by the readiness probe).
SELECT migration_id
FROM _yoyo_migration
ORDER BY applied_at_utc;

-- name: ping()^
-- The internal probes' check that this process reaches the database.
SELECT 1 AS ok;
