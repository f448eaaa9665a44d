-- Staff edit weekly rules and exceptions in place (optimistic locking on version).

-- name: update_rule(id, version, weekday, start_time, end_time, timezone, valid_from, valid_to, service_id, now)<!
UPDATE schedule_rules
SET weekday = :weekday, start_time = :start_time, end_time = :end_time, timezone = :timezone,
    valid_from = :valid_from, valid_to = :valid_to, service_id = :service_id,
    updated_at = :now, version = version + 1
WHERE id = :id AND version = :version
RETURNING id, weekday, start_time, end_time, timezone, valid_from, valid_to, service_id, version;

-- name: get_rule(id)^
SELECT id, weekday, start_time, end_time, timezone, valid_from, valid_to, service_id, version
FROM schedule_rules WHERE id = :id;

-- name: list_exceptions(start_at, end_at)
-- Exceptions touching the range, as staff see them (holidays, extra hours).
SELECT id, lower(period) AS start_at, upper(period) AS end_at, kind, reason, version
FROM schedule_exceptions
WHERE period && tstzrange(:start_at, :end_at)
ORDER BY lower(period), id
LIMIT 500;

-- name: get_exception(id)^
SELECT id, lower(period) AS start_at, upper(period) AS end_at, kind, reason, version
FROM schedule_exceptions WHERE id = :id;

-- name: update_exception(id, version, start_at, end_at, kind, reason, now)<!
UPDATE schedule_exceptions
SET period = tstzrange(:start_at, :end_at), kind = :kind, reason = :reason, updated_at = :now,
    version = version + 1
WHERE id = :id AND version = :version
RETURNING id, lower(period) AS start_at, upper(period) AS end_at, kind, reason, version;
