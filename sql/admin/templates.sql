-- Message templates as staff edit them.

-- name: list_templates()
SELECT id, code, channel, locale, subject, body, updated_at, updated_by, version
FROM message_templates ORDER BY code, channel, locale;

-- name: get_template(id)^
SELECT id, code, channel, locale, subject, body, updated_at, updated_by, version
FROM message_templates WHERE id = :id;

-- name: insert_template(id, code, channel, locale, subject, body, updated_by, now)!
INSERT INTO message_templates (id, code, channel, locale, subject, body, updated_at, updated_by)
VALUES (:id, :code, :channel, :locale, :subject, :body, :now, :updated_by);

-- name: update_template(id, version, subject, body, updated_by, now)^
UPDATE message_templates
SET subject = :subject, body = :body, updated_at = :now, updated_by = :updated_by,
    version = version + 1
WHERE id = :id AND version = :version
RETURNING id;

-- name: delete_template(id)!
DELETE FROM message_templates WHERE id = :id;
