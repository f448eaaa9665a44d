-- Staff alerts: who receives them (staff, their choices, their linked Telegram chat) and
-- the few P0 facts an alert names.

-- name: staff_for_alert(kind)
-- Every active staff member with their roles, their choice for the kind (NULL: the
-- default) and the chat of their linked Telegram account, unless it blocked the bot.
SELECT u.id AS user_id, u.email,
       array_agg(r.role_code ORDER BY r.role_code) AS roles,
       p.enabled AS choice,
       (SELECT t.chat_id FROM telegram_accounts AS t
        WHERE t.user_id = u.id AND t.blocked_at IS NULL
        ORDER BY t.updated_at DESC LIMIT 1) AS chat_id
FROM users AS u
JOIN user_roles AS r ON r.user_id = u.id AND r.role_code IN ('owner', 'assistant', 'editor')
LEFT JOIN staff_notification_preferences AS p ON p.user_id = u.id AND p.kind = :kind
WHERE u.status = 'active' AND u.deleted_at IS NULL
GROUP BY u.id, u.email, p.enabled
ORDER BY u.id;

-- name: alert_choices(user_id)
SELECT kind, enabled FROM staff_notification_preferences WHERE user_id = :user_id;

-- name: set_alert_choice(user_id, kind, enabled, now)!
INSERT INTO staff_notification_preferences (user_id, kind, enabled, updated_at)
VALUES (:user_id, :kind, :enabled, :now)
ON CONFLICT (user_id, kind) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at;

-- name: alert_appointment(id)^
SELECT s.title AS service_title, a.start_at,
       a.rescheduled_from_id IS NOT NULL AS rescheduled
FROM appointments AS a JOIN services AS s ON s.id = a.service_id
WHERE a.id = :id;

-- name: items_near_sla(until, limit)
SELECT id AS item_id, sla_due_at FROM ugc_items
WHERE status = 'pending' AND sla_due_at <= :until
ORDER BY sla_due_at, id
LIMIT :limit;
