-- name: insert_entry(occurred_at, actor_id, actor_role, action, entity_type, entity_id, details)!
-- The audit log is append-only: there is no update or delete query, and triggers refuse both.
INSERT INTO audit_log_entries (occurred_at, actor_id, actor_role, action, entity_type,
                               entity_id, details)
VALUES (:occurred_at, :actor_id, :actor_role, :action, :entity_type, :entity_id, :details);

-- name: search(actor_id, entity_type, action, date_from, date_to, after_occurred_at, after_id, limit)
-- Newest first, a page after (after_occurred_at, after_id) when given; served by the
-- (actor_id, occurred_at) and (entity_type, occurred_at) indexes when those filters are
-- given, by the BRIN on occurred_at otherwise.
SELECT id, occurred_at, actor_id, actor_role, action, entity_type, entity_id, details
FROM audit_log_entries
WHERE (CAST(:actor_id AS uuid) IS NULL OR actor_id = :actor_id)
  AND (CAST(:entity_type AS text) IS NULL OR entity_type = :entity_type)
  AND (CAST(:action AS text) IS NULL OR action = :action)
  AND occurred_at >= :date_from AND occurred_at < :date_to
  AND (CAST(:after_occurred_at AS timestamptz) IS NULL
       OR (occurred_at, id) < (CAST(:after_occurred_at AS timestamptz), CAST(:after_id AS bigint)))
ORDER BY occurred_at DESC, id DESC
LIMIT :limit;
