-- name: insert_entry(occurred_at, actor_id, actor_role, action, entity_type, entity_id, details)!
-- The audit log is append-only: there is no update or delete query, and triggers refuse both.
INSERT INTO audit_log_entries (occurred_at, actor_id, actor_role, action, entity_type,
                               entity_id, details)
VALUES (:occurred_at, :actor_id, :actor_role, :action, :entity_type, :entity_id, :details);
